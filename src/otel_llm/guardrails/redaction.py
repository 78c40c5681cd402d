"""Replacing matched ranges of a text with placeholders."""

from __future__ import annotations

from collections.abc import Iterable


def redact(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """Replace each ``(start, end, replacement)`` range; overlapping ranges merge into the first one."""
    pieces: list[str] = []
    cursor = 0
    for start, end, replacement in sorted(spans, key=lambda s: (s[0], -s[1])):
        if end <= cursor:
            continue
        if start < cursor:  # overlaps the previous range: extend it
            cursor = end
            continue
        pieces.append(text[cursor:start])
        pieces.append(replacement)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
