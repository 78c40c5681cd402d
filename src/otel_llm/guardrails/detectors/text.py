"""Text-level checks: banned substrings, competitor names, banned topics, invisible Unicode, length."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from otel_llm.guardrails.detectors.base import Detector, register, whole_text
from otel_llm.guardrails.results import Match


def term_pattern(terms: Iterable[str], case_sensitive: bool, whole_words: bool) -> re.Pattern[str]:
    """One alternation over ``terms`` (longest first), optionally anchored at word boundaries."""
    escaped = "|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True) if t)
    if not escaped:
        raise ValueError("at least one non-empty term is required")
    body = rf"(?<!\w)(?:{escaped})(?!\w)" if whole_words else f"(?:{escaped})"
    return re.compile(body, 0 if case_sensitive else re.IGNORECASE)


@register
class BannedSubstringsDetector(Detector):
    """Flags any of ``terms``; ``entity_type`` names what they are (e.g. ``COMPETITOR``)."""

    name = "banned_substrings"
    category = "BANNED_SUBSTRING"

    def __init__(
        self,
        terms: Iterable[str],
        case_sensitive: bool = False,
        whole_words: bool = True,
        entity_type: str | None = None,
    ):
        self.entity_type = entity_type or self.category
        self._pattern = term_pattern(terms, case_sensitive, whole_words)

    def detect(self, text: str) -> list[Match]:
        return [Match(m.start(), m.end(), self.entity_type) for m in self._pattern.finditer(text)]


@register
class CompetitorsDetector(BannedSubstringsDetector):
    """Flags competitor names (whole words, case-insensitive)."""

    name = "competitors"
    category = "COMPETITOR"

    def __init__(self, names: Iterable[str], case_sensitive: bool = False):
        super().__init__(names, case_sensitive=case_sensitive, whole_words=True)


@register
class BannedTopicsDetector(Detector):
    """Keyword lists per topic (``topics={"medical_advice": ["dosage", ...]}``); reports the topic name."""

    name = "banned_topics"
    category = "BANNED_TOPIC"

    def __init__(self, topics: Mapping[str, Iterable[str]], case_sensitive: bool = False):
        self._topics = [(topic, term_pattern(words, case_sensitive, True)) for topic, words in topics.items()]

    def detect(self, text: str) -> list[Match]:
        return [
            Match(m.start(), m.end(), topic)
            for topic, pattern in self._topics
            for m in pattern.finditer(text)
        ]


# Format (Cf), control (Cc, except tab/newline/carriage return) and private-use (Co) code points, Unicode 15.
# tests/guardrails/test_text_detectors.py checks the running Python's unicodedata against this set.
INVISIBLE_CHARACTERS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ue000-\uf8ff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
_INVISIBLE_RUN = re.compile(f"[{INVISIBLE_CHARACTERS}]+")


@register
class InvisibleUnicodeDetector(Detector):
    """Zero-width, bidirectional-override, tag, control and private-use characters; redaction removes them."""

    name = "invisible_unicode"
    category = "INVISIBLE_UNICODE"

    def detect(self, text: str) -> list[Match]:
        if text.isascii() and text.replace("\n", "").replace("\t", "").replace("\r", "").isprintable():
            return []  # plain ASCII: printable characters and ordinary whitespace only
        return [Match(m.start(), m.end(), self.category) for m in _INVISIBLE_RUN.finditer(text)]

    def placeholder(self, entity_type: str) -> str:
        return ""


_TOKEN_PIECES = re.compile(r"\w+|[^\w\s]")


def estimate_tokens(text: str) -> int:
    """Offline token estimate: words and punctuation marks (BPE counts are usually somewhat higher)."""
    return len(_TOKEN_PIECES.findall(text))


@register
class MaxLengthDetector(Detector):
    """Flags texts over ``max_chars`` characters or ``max_tokens`` tokens (``count_tokens`` is pluggable)."""

    name = "max_length"
    category = "MAX_LENGTH"
    locates_spans = False

    def __init__(
        self,
        max_chars: int | None = None,
        max_tokens: int | None = None,
        count_tokens: Callable[[str], int] = estimate_tokens,
    ):
        if max_chars is None and max_tokens is None:
            raise ValueError("max_length needs max_chars or max_tokens")
        self.max_chars = max_chars
        self.max_tokens = max_tokens
        self.count_tokens = count_tokens

    def detect(self, text: str) -> list[Match]:
        if self.max_chars is not None and len(text) > self.max_chars:
            return whole_text(text, "MAX_CHARS_EXCEEDED", 1.0)
        # a token is at least one character, so short texts need no counting
        if (
            self.max_tokens is not None
            and len(text) > self.max_tokens
            and self.count_tokens(text) > self.max_tokens
        ):
            return whole_text(text, "MAX_TOKENS_EXCEEDED", 1.0)
        return []
