"""DSPy's agent and tool wrappers (loaded by ``DSPyInstrumentor.hooks()``)."""

from __future__ import annotations

from typing import Any

from otel_llm.instrumentation._steps import start_tool
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import Operation, OperationKind, start_operation

_INLINE_SIGNATURE = "StringSignature"  # the class DSPy makes for "question -> answer"


def agent(telemetry: GenAITelemetry, react: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    name = getattr(getattr(react, "signature", None), "__name__", None)
    return start_operation(telemetry, OperationKind.INVOKE_AGENT, None if name == _INLINE_SIGNATURE else name)


def tool(telemetry: GenAITelemetry, tool: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    return start_tool(telemetry, getattr(tool, "name", None), getattr(tool, "desc", None), kwargs)
