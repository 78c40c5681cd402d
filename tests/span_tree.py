"""Finished spans as an indented tree, for asserting a whole trace's shape at once."""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan


def span_tree(spans: Sequence[ReadableSpan], with_kind: bool = True) -> list[str]:
    """One line per span, ``"  " * depth + "name [KIND]"``; siblings in start order, ties by name.

    A span whose parent is not among ``spans`` is a root (its own trace or the app's ambient span).
    """
    ids = {span.context.span_id for span in spans}
    children: dict[int | None, list[ReadableSpan]] = {}
    for span in spans:
        parent = span.parent.span_id if span.parent is not None and span.parent.span_id in ids else None
        children.setdefault(parent, []).append(span)
    lines: list[str] = []

    def walk(parent: int | None, depth: int) -> None:
        for span in sorted(children.get(parent, []), key=lambda s: (s.start_time, s.name)):
            label = f"{span.name} [{span.kind.name}]" if with_kind else span.name
            lines.append("  " * depth + label)
            walk(span.context.span_id, depth + 1)

    walk(None, 0)
    return lines


def by_name(spans: Sequence[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]
