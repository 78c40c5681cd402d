"""smolagents' agent-run and tool wrappers (loaded by ``SmolagentsInstrumentor.hooks()``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from otel_llm.instrumentation._framework import Wrapper
from otel_llm.instrumentation._steps import call_within, iterate_within, start_tool
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import Operation, OperationKind, start_operation


def run_wrapper(telemetry: GenAITelemetry) -> Wrapper:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        model = getattr(getattr(instance, "model", None), "model_id", None)
        attributes = {A.GEN_AI_AGENT_DESCRIPTION: getattr(instance, "description", None)}
        if isinstance(model, str):
            attributes[A.GEN_AI_REQUEST_MODEL] = model
        operation = start_operation(
            telemetry, OperationKind.INVOKE_AGENT, getattr(instance, "name", None), attributes=attributes
        )
        stream = kwargs.get("stream", args[1] if len(args) > 1 else False)
        if not stream:
            return call_within(operation, lambda: wrapped(*args, **kwargs))
        return iterate_within(operation, wrapped(*args, **kwargs))

    return wrapper


def tool(telemetry: GenAITelemetry, tool: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    arguments = {k: v for k, v in kwargs.items() if k != "sanitize_inputs_outputs"} or list(args)
    return start_tool(telemetry, getattr(tool, "name", None), getattr(tool, "description", None), arguments)
