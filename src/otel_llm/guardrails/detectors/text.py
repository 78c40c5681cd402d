"""Text-level checks: banned substrings, competitor names, banned topics, invisible Unicode, length."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping

from otel_llm.guardrails.detectors.base import (
    MAX_MATCHES,
    Detector,
    register,
    up_to_max_matches,
    whole_text,
)
from otel_llm.guardrails.results import Match


class TermMatcher:
    """Finds any of ``terms`` (longest first), optionally as whole words, optionally ignoring case.

    One regex pass: an alternation of the literal terms, each checking by lookbehind after its first
    character that no word character precedes it (so the engine can still skip ahead to the terms'
    first characters) and, for whole words, by lookahead that none follows. Case is ignored by
    lower-casing the text once and matching lower-cased terms exactly. Up to ``FIND_LIMIT`` terms are
    first looked for with ``str.find``, which is several times faster than the regex engine's scan:
    a text without any of them needs no regex pass.

    At most ``MAX_MATCHES`` matches are reported one by one; the rest of the text's matches are one
    range, from the next match's start to the last one's end (``last_match_end``: found from the end of
    the text, without visiting the matches in between; 500,000 ``::`` cost seconds of per-match work).
    Everything matched is still covered.
    """

    FIND_LIMIT = 8

    def __init__(self, terms: Iterable[str], case_sensitive: bool = False, whole_words: bool = True):
        keys = {term if case_sensitive else term.lower() for term in terms if term}
        if not keys:
            raise ValueError("at least one non-empty term is required")
        ordered = sorted(keys, key=len, reverse=True)
        self._longest = len(ordered[0])
        alternation = "|".join(_term_pattern(key, whole_words) for key in ordered)
        end = r"(?!\w)" if whole_words else ""
        self._pattern = re.compile(f"(?:{alternation}){end}")
        self._keys = ordered if len(keys) <= self.FIND_LIMIT else None
        # for the rare text whose lower-case form has another length (e.g. "İ"): offsets must not shift
        self._ignore_case = None if case_sensitive else re.compile(f"(?:{alternation}){end}", re.IGNORECASE)
        self.case_sensitive = case_sensitive
        self.whole_words = whole_words

    def find(self, text: str) -> Iterator[tuple[int, int, str]]:
        """``(start, end, term)`` per match; ``term`` is lower-cased when case is ignored."""
        haystack, pattern = text, self._pattern
        if not self.case_sensitive:
            haystack = text.lower()
            if len(haystack) != len(text) and self._ignore_case is not None:  # set when case is ignored
                haystack, pattern = text, self._ignore_case
        if self._keys is not None and pattern is self._pattern and not any(k in haystack for k in self._keys):
            return
        # past MAX_MATCHES, the rest is one range (the next match's term), no per-match work
        found = pattern.finditer(haystack)
        for match, end in up_to_max_matches(found, pattern, haystack, self._longest, MAX_MATCHES):
            yield match.start(), end, match.group() if self.case_sensitive else match.group().lower()


def _term_pattern(term: str, whole_words: bool) -> str:
    """A term as a regex; with ``whole_words``, preceded by no word character (checked after its first)."""
    first = re.escape(term[0])
    return f"{first}(?<!\\w{first}){re.escape(term[1:])}" if whole_words else re.escape(term)


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
        self._matcher = TermMatcher(terms, case_sensitive, whole_words)

    def detect(self, text: str) -> list[Match]:
        return [Match(start, end, self.entity_type) for start, end, _ in self._matcher.find(text)]


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
        self._topic_of: dict[str, str] = {}
        for topic, words in topics.items():
            for word in words:
                self._topic_of.setdefault(word if case_sensitive else word.lower(), topic)
        self._topic_of.pop("", None)
        if not self._topic_of:
            raise ValueError("at least one non-empty keyword is required")
        self._matcher = TermMatcher(self._topic_of, case_sensitive, whole_words=True)

    def detect(self, text: str) -> list[Match]:
        return [Match(start, end, self._topic_of[term]) for start, end, term in self._matcher.find(text)]


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
        if text.replace("\n", "").replace("\t", "").replace("\r", "").isprintable():
            return []  # str.isprintable is False for every format, control and private-use character
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
        limit = self.max_tokens
        if limit is not None and self._upper_bound(text) > limit and self.count_tokens(text) > limit:
            return whole_text(text, "MAX_TOKENS_EXCEEDED", 1.0)
        return []

    def _upper_bound(self, text: str) -> int:
        """A cheap bound on the token count, so that texts clearly within the limit need no counting.

        A token is at least one character; an estimated token is at least one non-space character.
        """
        if self.count_tokens is estimate_tokens:
            return len(text) - text.count(" ") - text.count("\n")
        return len(text)
