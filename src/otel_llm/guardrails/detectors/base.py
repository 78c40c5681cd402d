"""Detector interface and the registry that maps names used in policies to detector classes."""

from __future__ import annotations

import collections
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from otel_llm.guardrails.results import Match

MAX_MATCHES = 10_000
"""Matches a pattern detector reports one by one in one text; past them, it may report the rest of its
matches as one range from the next match to the last (so that the work per text stays bounded whatever
it holds: everything matched is still covered, and redacted)."""
TAIL_WINDOW = 65_536


def last_match_end(pattern: re.Pattern[str], text: str, start: int, longest: int) -> int:
    """Where the last match of ``pattern`` at or after ``start`` ends, give or take: never before it, and at
    most ``longest - 1`` characters after it (``longest``: the longest match the pattern can make).

    Searched backwards in windows, so the cost is that of the last window with a match, not of every match
    in between. A search from a window's start may be out of step with one from ``start`` (it can find a
    match inside another), hence the allowance.
    """
    end = len(text)
    while end > start:  # no match starts at or after ``end``
        window = max(start, end - TAIL_WINDOW)
        first = pattern.search(text, window)
        if first is not None and first.start() < end:
            last = collections.deque(pattern.finditer(text, first.start()), maxlen=1)[0]
            return min(len(text), last.end() + longest - 1)
        end = window
    return start


def up_to_max_matches(
    matches: Iterable[re.Match[str]], pattern: re.Pattern[str], text: str, longest: int, limit: int
) -> Iterator[tuple[re.Match[str], int]]:
    """Each of ``matches`` (of ``pattern`` in ``text``) with its end, up to ``limit`` (``MAX_MATCHES``);
    then the next one with the end of the rest (``last_match_end``), and no more: the rest is one range."""
    for count, match in enumerate(matches):
        if count == limit:
            yield match, last_match_end(pattern, text, match.start(), longest)
            return
        yield match, match.end()


class Detector(ABC):
    """Finds risky content in one text.

    ``locates_spans`` tells whether matches mark redactable character ranges (pattern detectors) or
    judge the whole text (classifiers, validators); only the former can back a ``redact`` rule.
    """

    name: ClassVar[str]
    category: ClassVar[str]
    locates_spans: ClassVar[bool] = True

    @abstractmethod
    def detect(self, text: str) -> list[Match]:
        """Return the matches in ``text``; an empty list when it is clean."""

    def placeholder(self, entity_type: str) -> str:
        """Replacement for a redacted match."""
        return f"<{entity_type}>"

    @property
    def max_span(self) -> int:
        """Longest text a single match is expected to cover; streaming keeps this many characters back."""
        return 64

    def unfinished(self, text: str) -> int | None:
        """Start of a match that may still be growing at the end of ``text`` (streaming holds from there)."""
        return None


_REGISTRY: dict[str, type[Detector]] = {}


def register(cls: type[Detector]) -> type[Detector]:
    """Class decorator: make a detector available to policies under ``cls.name``."""
    _REGISTRY[cls.name] = cls
    return cls


def create(name: str, options: dict[str, Any] | None = None) -> Detector:
    """Instantiate the detector registered as ``name`` with keyword ``options``."""
    from otel_llm.guardrails import detectors  # noqa: F401 - registers the built-in detectors

    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown guardrail detector {name!r}; known: {', '.join(sorted(_REGISTRY))}"
        ) from None
    return cls(**(options or {}))


def registered() -> dict[str, type[Detector]]:
    """Names and classes of every registered detector."""
    from otel_llm.guardrails import detectors  # noqa: F401

    return dict(_REGISTRY)


def whole_text(text: str, entity_type: str, score: float) -> list[Match]:
    """A single match covering ``text``, for detectors that judge a text as a whole."""
    return [Match(0, len(text), entity_type, score)]
