"""smolagents instrumentation: agent runs and tool calls over our providers' model-call spans.

- ``MultiStepAgent.run`` (``ToolCallingAgent``, ``CodeAgent``, managed agents called by a manager) ->
  ``invoke_agent {agent name}`` (``invoke_agent`` for unnamed agents), current while the agent's steps
  run; a streamed run (``stream=True``) ends when its steps run out or the app stops reading them;
- ``Tool.__call__`` (function tools, ``final_answer``, tools called from a CodeAgent's code) ->
  ``execute_tool {tool name}``;
- model calls -> the CLIENT spans of our OpenAI or LiteLLM instrumentor (``OpenAIServerModel``,
  ``LiteLLMModel``); smolagents itself adds none. Its parallel tool calls run in threads with a copy of
  the context, so they nest under their agent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from otel_llm.instrumentation._framework import (
    FrameworkInstrumentor,
    Hook,
    Wrapper,
    call_within,
    iterate_within,
    operation_hook,
    start_tool,
)
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import Operation, OperationKind, start_operation


def _run_wrapper(telemetry: GenAITelemetry) -> Wrapper:
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


def _tool(telemetry: GenAITelemetry, tool: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    arguments = {k: v for k, v in kwargs.items() if k != "sanitize_inputs_outputs"} or list(args)
    return start_tool(telemetry, getattr(tool, "name", None), getattr(tool, "description", None), arguments)


class SmolagentsInstrumentor(FrameworkInstrumentor):
    requirements = ("smolagents >= 1.0",)
    package = "smolagents"

    def hooks(self) -> Sequence[Hook]:
        return (
            Hook("smolagents.agents", "MultiStepAgent.run", _run_wrapper),
            Hook("smolagents.tools", "Tool.__call__", operation_hook(_tool)),
        )


__all__ = ["SmolagentsInstrumentor"]
