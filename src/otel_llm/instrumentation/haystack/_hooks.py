"""Haystack's agent and tool wrappers (loaded by ``HaystackInstrumentor.hooks()``)."""

from __future__ import annotations

from typing import Any

from otel_llm.instrumentation._steps import start_tool
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import Operation, OperationKind, start_operation


def agent(telemetry: GenAITelemetry, agent: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    model = getattr(getattr(agent, "chat_generator", None), "model", None)
    attributes = {A.GEN_AI_REQUEST_MODEL: model if isinstance(model, str) else None}
    return start_operation(telemetry, OperationKind.INVOKE_AGENT, attributes=attributes)


def tool(telemetry: GenAITelemetry, tool: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    return start_tool(telemetry, getattr(tool, "name", None), getattr(tool, "description", None), kwargs)
