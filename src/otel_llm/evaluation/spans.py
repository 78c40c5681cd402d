"""A read-only view of a finished span, built from the SDK or from Jaeger's JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanContext, TraceFlags

from otel_llm.semconv.attributes import (
    GEN_AI_INPUT_MESSAGES,
    GEN_AI_OPERATION_NAME,
    GEN_AI_OUTPUT_MESSAGES,
    GEN_AI_RESPONSE_ID,
    OTEL_LLM_EVALUATION_JUDGE,
    GenAiOperationNameValues,
)

LLM_OPERATIONS = frozenset(
    {
        GenAiOperationNameValues.CHAT,
        GenAiOperationNameValues.TEXT_COMPLETION,
        GenAiOperationNameValues.GENERATE_CONTENT,
    }
)
"""Operations whose spans carry a model response worth evaluating."""


def is_llm_operation(attributes: Mapping[str, Any]) -> bool:
    """Whether span attributes describe an application's inference call (judge calls excluded)."""
    return attributes.get(GEN_AI_OPERATION_NAME) in LLM_OPERATIONS and not attributes.get(
        OTEL_LLM_EVALUATION_JUDGE
    )


@dataclass(frozen=True)
class SpanEvent:
    name: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SpanView:
    """What evaluators may read of a span: identity, timing, attributes and events."""

    name: str
    trace_id: int
    span_id: int
    start_ns: int
    end_ns: int
    attributes: Mapping[str, Any] = field(default_factory=dict)
    events: tuple[SpanEvent, ...] = ()
    parent_span_id: int | None = None

    @classmethod
    def from_readable(cls, span: ReadableSpan) -> SpanView:
        context = span.get_span_context()
        if context is None:  # the SDK's spans always have one; ReadableSpan's constructor allows None
            raise ValueError(f"span {span.name!r} has no span context")
        return cls(
            name=span.name,
            trace_id=context.trace_id,
            span_id=context.span_id,
            start_ns=span.start_time or 0,
            end_ns=span.end_time or span.start_time or 0,
            attributes=dict(span.attributes or {}),
            events=tuple(SpanEvent(event.name, dict(event.attributes or {})) for event in span.events),
            parent_span_id=span.parent.span_id if span.parent else None,
        )

    @property
    def is_llm(self) -> bool:
        return is_llm_operation(self.attributes)

    @property
    def duration_s(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9

    @property
    def response_id(self) -> str | None:
        value = self.attributes.get(GEN_AI_RESPONSE_ID)
        return str(value) if value else None

    def span_context(self) -> SpanContext:
        """The span's context as a remote parent, to link new telemetry to it."""
        return SpanContext(
            self.trace_id, self.span_id, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED)
        )

    def output_text(self) -> str | None:
        """Text of the first output message, when content capture recorded it on the span."""
        return _first_text(self.attributes.get(GEN_AI_OUTPUT_MESSAGES), role=None)

    def input_text(self) -> str | None:
        """Text of the last user message, when content capture recorded it on the span."""
        return _first_text(self.attributes.get(GEN_AI_INPUT_MESSAGES), role="user", last=True)


def _first_text(raw: Any, role: str | None, last: bool = False) -> str | None:
    """Join the text parts of one message of a semconv messages JSON string."""
    if not raw:
        return None
    try:
        messages = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    if not isinstance(messages, list):
        return None
    chosen = [m for m in messages if isinstance(m, dict) and (role is None or m.get("role") == role)]
    if not chosen:
        return None
    message = chosen[-1] if last else chosen[0]
    texts = [
        str(part.get("content", ""))
        for part in message.get("parts", [])
        if isinstance(part, dict) and part.get("type") == "text"
    ]
    return "".join(texts) if texts else None
