"""Builders shared by the evaluation tests."""

from __future__ import annotations

import json
from typing import Any

from otel_llm.evaluation.spans import SpanEvent, SpanView

TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C
SPAN_ID = 0x00F067AA0BA902B7


def llm_span(
    span_id: int = SPAN_ID,
    duration_ms: int = 1200,
    cost: float | None = None,
    output: str | None = None,
    parent: int | None = None,
    **attributes: Any,
) -> SpanView:
    attrs: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.response.id": f"chatcmpl-{span_id:x}"}
    if cost is not None:
        attrs["otel_llm.usage.cost_usd"] = cost
    if output is not None:
        attrs["gen_ai.output.messages"] = json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": output}], "finish_reason": "stop"}]
        )
    attrs.update(attributes)
    return SpanView(
        name="chat gpt-4o-mini",
        trace_id=TRACE_ID,
        span_id=span_id,
        start_ns=1_000_000_000,
        end_ns=1_000_000_000 + duration_ms * 1_000_000,
        attributes=attrs,
        parent_span_id=parent,
    )


def guardrail_span(outcome: str, findings: int = 0, span_id: int = 0x77) -> SpanView:
    return SpanView(
        name="apply_guardrail pii",
        trace_id=TRACE_ID,
        span_id=span_id,
        start_ns=0,
        end_ns=1,
        attributes={"gen_ai.operation.name": "apply_guardrail", "otel_llm.guardrail.outcome": outcome},
        events=tuple(
            SpanEvent("gen_ai.guardrail.result", {"gen_ai.guardrail.risk.category": "EMAIL"})
            for _ in range(findings)
        ),
        parent_span_id=SPAN_ID,
    )
