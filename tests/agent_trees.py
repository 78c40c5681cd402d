"""Span trees and token sums for the agent SDK tests: exact names, kinds and parents, in start order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from otel_llm.semconv import attributes as A


def tree(spans: Iterable[Any]) -> list[tuple[int, str, str]]:
    """``(depth, name, kind)`` of every span, depth first, children in start order.

    A span whose parent was not captured is a root, so a run that loses its context shows up as a
    second root instead of passing unnoticed.
    """
    spans = sorted(spans, key=lambda s: s.start_time)
    ids = {s.context.span_id for s in spans}
    children: dict[int | None, list[Any]] = {}
    for span in spans:
        parent = span.parent.span_id if span.parent is not None and span.parent.span_id in ids else None
        children.setdefault(parent, []).append(span)
    rows: list[tuple[int, str, str]] = []

    def walk(span: Any, depth: int) -> None:
        rows.append((depth, span.name, span.kind.name))
        for child in children.get(span.context.span_id, ()):
            walk(child, depth + 1)

    for root in children.get(None, ()):
        walk(root, 0)
    return rows


def tool_loop_tree(agent: str, depth: int = 0, model: str = "gpt-4o-mini") -> list[tuple[int, str, str]]:
    """The tree of ``scripted_llm.TOOL_LOOP`` under the span ``agent`` at ``depth``."""
    return [
        (depth, agent, "INTERNAL"),
        (depth + 1, f"chat {model}", "CLIENT"),
        (depth + 1, "execute_tool get_weather", "INTERNAL"),
        (depth + 1, f"chat {model}", "CLIENT"),
    ]


def named(spans: Iterable[Any], name: str) -> list[Any]:
    return [s for s in spans if s.name == name]


def client_spans(spans: Iterable[Any]) -> list[Any]:
    return [s for s in spans if s.kind.name == "CLIENT"]


def token_sums(spans: Iterable[Any]) -> tuple[int, int]:
    """Input and output tokens over *all* spans: usage recorded twice would show here."""
    spans = list(spans)
    return (
        sum(s.attributes.get(A.GEN_AI_USAGE_INPUT_TOKENS, 0) for s in spans),
        sum(s.attributes.get(A.GEN_AI_USAGE_OUTPUT_TOKENS, 0) for s in spans),
    )


def metric_sum(points: dict[str, list], name: str, **attributes: Any) -> float:
    """Sum of a histogram's or counter's points whose attributes include ``attributes``."""
    total = 0.0
    for point in points.get(name, ()):
        if all(point.attributes.get(k) == v for k, v in attributes.items()):
            total += getattr(point, "sum", None) if hasattr(point, "sum") else point.value
    return total


def under(span: Any, ancestor: Any, spans: Iterable[Any]) -> bool:
    """Whether ``ancestor`` is an ancestor of ``span`` (same trace, through captured parents)."""
    by_id = {s.context.span_id: s for s in spans}
    current = span
    while current.parent is not None:
        if current.parent.span_id == ancestor.context.span_id:
            return current.context.trace_id == ancestor.context.trace_id
        current = by_id.get(current.parent.span_id)
        if current is None:
            return False
    return False


def assert_counted_once(spans: list[Any], requests: list[Any], tokens: tuple[int, int]) -> list[Any]:
    """One CLIENT span per model request the server saw; tokens (over all spans) and cost on those only."""
    models = client_spans(spans)
    assert len(models) == len(requests)
    assert token_sums(spans) == tokens
    assert [s for s in spans if A.OTEL_LLM_USAGE_COST_USD in s.attributes] == models
    return models


def assert_runs_apart(spans: list[Any], root: str, expected: list[tuple[int, str, str]], runs: int) -> None:
    """``runs`` traces, one per concurrent run, each rooted at a ``root`` span with exactly ``expected``."""
    roots = named(spans, root)
    assert len(roots) == runs and len({r.context.trace_id for r in roots}) == runs
    for span in roots:
        assert tree([s for s in spans if s.context.trace_id == span.context.trace_id]) == expected


def tool_content(spans: list[Any], name: str) -> tuple[Any, Any]:
    """The captured arguments (JSON) and result (as recorded) of the tool span ``name``."""
    import json

    (tool,) = named(spans, name)
    attributes = tool.attributes
    return json.loads(attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS]), attributes[A.GEN_AI_TOOL_CALL_RESULT]


def framework_fixture(framework: type, providers: tuple[type, ...] = ()) -> Any:
    """A fixture ``instrument(openai=True, **settings)``: the framework's instrumentor, ``providers``
    and, unless told otherwise, our OpenAI instrumentor (their CLIENT spans are the model spans)."""
    import pytest

    from otel_llm.instrumentation.openai import OpenAIInstrumentor

    @pytest.fixture
    def instrument(otel: Any) -> Any:
        applied = []

        def apply(openai: bool = True, **settings: Any) -> None:
            chosen = (framework, *providers, *((OpenAIInstrumentor,) if openai else ()))
            for instrumentor in (cls() for cls in chosen):
                instrumentor.instrument(**settings)
                applied.append(instrumentor)

        yield apply
        for instrumentor in applied:
            instrumentor.uninstrument()

    return instrument
