"""Pure-Python scorer for a logistic regression on the mean of per-token weights over a text's WordPiece
tokens.

Such a model is a logistic regression on the mean of static token vectors (distilled from a sentence
encoder) folded into one weight per token: ``w · mean(v_t) = mean(w · v_t)``. The model file is JSON
exported by ``benchmarks/train_stereotype_classifier.py``.
"""

from __future__ import annotations

import json
from functools import cache

from otel_llm.guardrails.ngram_model import MODELS_DIR, clip, sigmoid
from otel_llm.guardrails.wordpiece import WordPiece


class TokenMeanModel:
    def __init__(
        self, vocabulary: list[str], weights: list[float], bias: float, threshold: float, max_chars: int
    ):
        if len(vocabulary) != len(weights):
            raise ValueError(f"{len(vocabulary)} tokens but {len(weights)} weights")
        self.tokenizer = WordPiece(vocabulary)
        self.weights = weights
        self.bias = bias
        self.threshold = threshold
        self.max_chars = max_chars

    def logit(self, text: str) -> float:
        ids = self.tokenizer.encode(clip(text, self.max_chars))
        return self.bias + (sum(self.weights[i] for i in ids) / len(ids) if ids else 0.0)

    def probability(self, text: str) -> float:
        return sigmoid(self.logit(text))


@cache
def load_token_model(name: str) -> TokenMeanModel:
    """Load a model shipped in ``otel_llm/guardrails/models/{name}.json`` (cached)."""
    data = json.loads((MODELS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return TokenMeanModel(
        data["vocabulary"], data["weights"], data["bias"], data["threshold"], data["max_chars"]
    )
