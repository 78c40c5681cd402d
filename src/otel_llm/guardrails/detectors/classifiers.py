"""Whole-text classifiers: prompt injection / jailbreak and toxicity."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from functools import cache

from otel_llm.guardrails.detectors.base import Detector, register, whole_text
from otel_llm.guardrails.ngram_model import load_model
from otel_llm.guardrails.results import Match


class ScoringDetector(Detector):
    """A whole-text classifier: flags a text whose ``score`` (a probability) reaches ``threshold``."""

    locates_spans = False
    threshold: float

    @abstractmethod
    def score(self, text: str) -> float:
        """Probability that ``text`` belongs to ``category``."""

    def detect(self, text: str) -> list[Match]:
        probability = self.score(text)
        return whole_text(text, self.category, probability) if probability >= self.threshold else []


@register
class PromptInjectionDetector(ScoringDetector):
    """Word n-gram logistic regression trained on 14 public sets; flags ``probability >= threshold``."""

    name = "prompt_injection"
    category = "PROMPT_INJECTION"

    def __init__(self, threshold: float | None = None, model: str = "prompt_injection"):
        self.model = load_model(model)
        self.threshold = self.model.threshold if threshold is None else float(threshold)

    def score(self, text: str) -> float:
        return self.model.probability(text)


@cache
def _profanity_scorer() -> Callable[[list[str]], list[float]]:
    from profanity_check import predict_prob  # loads alt-profanity-check's bundled model (~3 s once)

    return predict_prob


@register
class ToxicityDetector(ScoringDetector):
    """alt-profanity-check's linear SVM (weights ship in the wheel); flags ``probability >= threshold``."""

    name = "toxicity"
    category = "TOXICITY"

    def __init__(self, threshold: float = 0.5):
        self.threshold = float(threshold)
        self._predict = _profanity_scorer()

    def score(self, text: str) -> float:
        return float(self._predict([text])[0])
