"""Pure-Python scorer for a TF-IDF (character + word n-gram) logistic-regression text classifier.

The model file is JSON exported by ``benchmarks/train_injection_classifier.py``; scoring reproduces
scikit-learn's ``TfidfVectorizer`` (lowercase, ``char_wb`` / word analyzers, sublinear tf, l2 norm per
vectorizer) followed by ``LogisticRegression.predict_proba``, so scikit-learn is not needed at run time.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

_WHITESPACE = re.compile(r"\s\s+")
SKLEARN_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
MODELS_DIR = Path(__file__).parent / "models"


def char_wb_ngrams(text: str, min_n: int, max_n: int) -> list[str]:
    """Character n-grams inside word boundaries, each word padded with spaces (sklearn ``char_wb``)."""
    grams: list[str] = []
    for word in _WHITESPACE.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(min_n, max_n + 1):
            if length <= n:  # a short word yields itself once, and no longer n-grams
                grams.append(padded)
                break
            grams.extend(padded[i : i + n] for i in range(length - n + 1))
    return grams


_SKLEARN_WORD = re.compile(SKLEARN_TOKEN_PATTERN)


def word_ngrams(text: str, min_n: int, max_n: int, pattern: re.Pattern[str] = _SKLEARN_WORD) -> list[str]:
    """Word n-grams over the tokens ``pattern`` finds (by default sklearn's: two or more word characters)."""
    tokens = pattern.findall(text)
    return [" ".join(tokens[i : i + n]) for n in range(min_n, max_n + 1) for i in range(len(tokens) - n + 1)]


ANALYZERS = ("char_wb", "word")


def sigmoid(z: float) -> float:
    """The logistic function, without overflow for large negative ``z``."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    odds = math.exp(z)
    return odds / (1.0 + odds)


def clip(text: str, max_chars: int) -> str:
    """The first and last ``max_chars // 2`` characters of a longer text (bounds the scoring time)."""
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    half = max_chars // 2
    return f"{text[:half]} {text[-half:]}"


@dataclass(frozen=True)
class Vectorizer:
    """One TF-IDF block: term -> (idf, logistic-regression weight)."""

    analyzer: str
    ngram_range: tuple[int, int]
    terms: dict[str, tuple[float, float]]
    token_pattern: str = SKLEARN_TOKEN_PATTERN

    def contribution(self, text: str) -> float:
        """Dot product of this block's l2-normalised sublinear TF-IDF vector with the weights."""
        dot = 0.0
        norm = 0.0
        terms = self.terms
        for term, count in gram_counts(text, self.analyzer, self.ngram_range, self.token_pattern).items():
            entry = terms.get(term)
            if entry is None:
                continue
            value = (1.0 + math.log(count)) * entry[0]
            dot += value * entry[1]
            norm += value * value
        return dot / math.sqrt(norm) if norm else 0.0


@dataclass(frozen=True)
class NgramLogisticModel:
    """A binary text classifier; ``probability`` is the positive-class probability."""

    vectorizers: tuple[Vectorizer, ...]
    intercept: float
    threshold: float
    max_chars: int = 0  # 0: the whole text is scored

    def probability(self, text: str) -> float:
        lowered = clip(text, self.max_chars).lower()
        z = self.intercept + sum(v.contribution(lowered) for v in self.vectorizers)
        return sigmoid(z)

    @classmethod
    def from_dict(cls, data: dict) -> NgramLogisticModel:
        return cls(
            vectorizers=tuple(
                Vectorizer(
                    v["analyzer"],
                    tuple(v["ngram_range"]),
                    {t: (w[0], w[1]) for t, w in v["terms"].items()},
                    v.get("token_pattern", SKLEARN_TOKEN_PATTERN),
                )
                for v in data["vectorizers"]
            ),
            intercept=float(data["intercept"]),
            threshold=float(data["threshold"]),
            max_chars=int(data.get("max_chars", 0)),
        )


def export_pipeline(pipeline: Any, threshold: float) -> dict[str, Any]:
    """Export a fitted pipeline of "features" (TF-IDF FeatureUnion) and "lr" (LogisticRegression).

    Supports what ``Vectorizer`` reproduces: lowercase, ``char_wb``/``word`` analyzers, ``sublinear_tf``, l2.
    """
    weights = pipeline.named_steps["lr"].coef_[0]
    blocks, offset = [], 0
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        if vectorizer.analyzer not in ANALYZERS or not vectorizer.sublinear_tf or vectorizer.norm != "l2":
            raise ValueError("only sublinear-tf, l2-normalised char_wb/word TF-IDF blocks can be exported")
        vocabulary = sorted(vectorizer.vocabulary_.items())
        terms = {
            term: [round(float(vectorizer.idf_[i]), 6), round(float(weights[offset + i]), 6)]
            for term, i in vocabulary
        }
        block = {"analyzer": vectorizer.analyzer, "ngram_range": list(vectorizer.ngram_range), "terms": terms}
        if vectorizer.analyzer == "word":
            block["token_pattern"] = vectorizer.token_pattern
        blocks.append(block)
        offset += len(vocabulary)
    return {
        "vectorizers": blocks,
        "intercept": float(pipeline.named_steps["lr"].intercept_[0]),
        "threshold": threshold,
    }


@lru_cache(maxsize=4)
def gram_counts(text: str, analyzer: str, ngram_range: tuple[int, int], token_pattern: str) -> Counter[str]:
    """The n-gram counts of a (lower-cased) text; cached, because the classifiers of one policy score
    the same text with the same analyzer (the injection and toxicity models). Read only."""
    if analyzer == "char_wb":
        return Counter(char_wb_ngrams(text, *ngram_range))
    return Counter(word_ngrams(text, *ngram_range, _pattern(token_pattern)))


@cache
def _pattern(token_pattern: str) -> re.Pattern[str]:
    return re.compile(token_pattern)


@cache
def load_model(name: str) -> NgramLogisticModel:
    """Load a model shipped in ``otel_llm/guardrails/models/{name}.json`` (cached)."""
    return NgramLogisticModel.from_dict(json.loads((MODELS_DIR / f"{name}.json").read_text()))
