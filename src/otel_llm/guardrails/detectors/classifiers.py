"""Whole-text classifiers (prompt injection / jailbreak, toxicity) and the profanity word list."""

from __future__ import annotations

import re
from abc import abstractmethod
from functools import cache
from importlib import resources

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


@register
class ToxicityDetector(ScoringDetector):
    """Word n-gram logistic regression trained on public offensive-language sets (abuse, insults and
    implicit hate; profanity alone is the ``profanity`` detector's); flags ``probability >= threshold``."""

    name = "toxicity"
    category = "TOXICITY"

    def __init__(self, threshold: float | None = None, model: str = "toxicity"):
        self.model = load_model(model)
        self.threshold = self.model.threshold if threshold is None else float(threshold)

    def score(self, text: str) -> float:
        return self.model.probability(text)


@cache
def _profanity_words() -> frozenset[str]:
    """better-profanity's word list (its package data), lower-cased single words."""
    words = resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text()
    return frozenset(w.strip().lower() for w in words.splitlines() if w.strip() and " " not in w.strip())


_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")


@register
class ProfanityDetector(Detector):
    """Swear words (better-profanity's list), whatever their intent: a category kept apart from
    ``toxicity``, so a policy can treat friendly swearing differently from abuse."""

    name = "profanity"
    category = "PROFANITY"

    def __init__(self, extra: list[str] | None = None):
        self.words = _profanity_words() | {w.lower() for w in extra or ()}

    def detect(self, text: str) -> list[Match]:
        words = self.words
        found = (m for m in _WORD.finditer(text) if m.group().lower() in words)
        return [Match(m.start(), m.end(), self.category) for m in found]
