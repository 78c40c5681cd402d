"""Haystack instrumentation: ``Agent`` runs and tool invocations over our providers' model-call spans.

- ``Agent.run`` / ``Agent.run_async`` -> ``invoke_agent`` (Haystack agents have no name of their own),
  current while the agent's chat generator and tools run;
- ``Tool.invoke`` (function tools, component tools, toolsets) -> ``execute_tool {tool name}``; Haystack
  runs tools in a thread pool with a copy of the context, so they nest under their agent;
- model calls -> the CLIENT spans of our provider instrumentors (``OpenAIChatGenerator`` calls the OpenAI
  SDK). Haystack's own tracer (``haystack.tracing.enable_tracing``) is independent of ours and stays as the
  app configured it: its ``haystack.*`` spans carry no GenAI attributes and no usage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from otel_llm.instrumentation._framework import (
    FrameworkInstrumentor,
    Hook,
    Wrapper,
    await_within,
    call_within,
)
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import Operation, OperationKind, start_operation

TOOL_TYPE_FUNCTION = "function"
_AGENT = "haystack.components.agents.agent"


def _agent_operation(telemetry: GenAITelemetry, agent: Any) -> Operation | None:
    model = getattr(getattr(agent, "chat_generator", None), "model", None)
    attributes = {A.GEN_AI_REQUEST_MODEL: model if isinstance(model, str) else None}
    return start_operation(telemetry, OperationKind.INVOKE_AGENT, attributes=attributes)


def _run_wrapper(telemetry: GenAITelemetry) -> Wrapper:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        return call_within(_agent_operation(telemetry, instance), lambda: wrapped(*args, **kwargs))

    return wrapper


def _run_async_wrapper(telemetry: GenAITelemetry) -> Wrapper:
    async def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        return await await_within(_agent_operation(telemetry, instance), lambda: wrapped(*args, **kwargs))

    return wrapper


def _invoke_wrapper(telemetry: GenAITelemetry) -> Wrapper:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        attributes = {
            A.GEN_AI_TOOL_TYPE: TOOL_TYPE_FUNCTION,
            A.GEN_AI_TOOL_DESCRIPTION: getattr(instance, "description", None),
        }
        operation = start_operation(
            telemetry, OperationKind.EXECUTE_TOOL, getattr(instance, "name", None), attributes=attributes
        )
        if operation is None:
            return wrapped(*args, **kwargs)
        if operation.capture:
            operation.content[A.GEN_AI_TOOL_CALL_ARGUMENTS] = kwargs

        def invoke() -> Any:
            result = wrapped(*args, **kwargs)
            if operation.capture:
                operation.content[A.GEN_AI_TOOL_CALL_RESULT] = result
            return result

        return call_within(operation, invoke)

    return wrapper


class HaystackInstrumentor(FrameworkInstrumentor):
    requirements = ("haystack-ai >= 2.9",)
    package = "haystack"

    def hooks(self) -> Sequence[Hook]:
        return (
            Hook(_AGENT, "Agent.run", _run_wrapper),
            Hook(_AGENT, "Agent.run_async", _run_async_wrapper),
            Hook("haystack.tools.tool", "Tool.invoke", _invoke_wrapper),
        )


__all__ = ["HaystackInstrumentor"]
