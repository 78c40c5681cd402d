"""Whole-text classifiers (prompt injection / jailbreak, toxicity) and the profanity word list."""

from __future__ import annotations

import re
from abc import abstractmethod
from functools import cache
from importlib import resources

from otel_llm.guardrails.detectors.base import MAX_MATCHES, Detector, register, up_to_max_matches, whole_text
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
# A word of the list where ``_WORD`` would find it as a whole token: no letter or digit before it, nor one
# joined to it by "-" or "'", and none after it (the words themselves go between the two halves).
_TOKEN_START = r"(?<![^\W_])(?<![^\W_][-'])(?:"
_TOKEN_END = r")(?![^\W_])(?![-'][^\W_])"


@register
class ProfanityDetector(Detector):
    """Swear words (better-profanity's list), whatever their intent: a category kept apart from
    ``toxicity``, so a policy can treat friendly swearing differently from abuse.

    The text's distinct tokens are looked up first (one ``findall``, no Python work per token); only a text
    with a listed word is searched for where they are, by a regex of the words it holds. As the other
    pattern detectors do, it reports at most ``MAX_MATCHES`` words one by one, the rest as one range.
    """

    name = "profanity"
    category = "PROFANITY"

    def __init__(self, extra: list[str] | None = None):
        self.words = _profanity_words() | {w.lower() for w in extra or ()}

    def detect(self, text: str) -> list[Match]:
        words = self.words
        present = {token.lower() for token in set(_WORD.findall(text))} & words
        if not present:
            return []
        if not all(word.isascii() for word in present):  # case folding beyond ASCII: token by token
            found = (m for m in _WORD.finditer(text) if m.group().lower() in words)
            return [Match(m.start(), m.end(), self.category) for m in found]
        # ASCII words ignoring case match every token that lower-cases to them (and a few more, such as
        # "ſ" for "s", dropped by the check): the same tokens as the lookup, found by the regex engine
        ordered = sorted(present, key=len, reverse=True)
        pattern = re.compile(_TOKEN_START + "|".join(map(re.escape, ordered)) + _TOKEN_END, re.IGNORECASE)
        listed = (m for m in pattern.finditer(text) if m.group().lower() in words)
        bounded = up_to_max_matches(listed, pattern, text, len(ordered[0]), MAX_MATCHES)
        return [Match(m.start(), end, self.category) for m, end in bounded]
