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

from collections.abc import Sequence
from typing import Any

from otel_llm.instrumentation._framework import FrameworkInstrumentor, Hook, operation_hook, start_tool
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import Operation, OperationKind, start_operation

_AGENT = "haystack.components.agents.agent"


def _agent(telemetry: GenAITelemetry, agent: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    model = getattr(getattr(agent, "chat_generator", None), "model", None)
    attributes = {A.GEN_AI_REQUEST_MODEL: model if isinstance(model, str) else None}
    return start_operation(telemetry, OperationKind.INVOKE_AGENT, attributes=attributes)


def _tool(telemetry: GenAITelemetry, tool: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    return start_tool(telemetry, getattr(tool, "name", None), getattr(tool, "description", None), kwargs)


class HaystackInstrumentor(FrameworkInstrumentor):
    requirements = ("haystack-ai >= 2.9",)
    package = "haystack"

    def hooks(self) -> Sequence[Hook]:
        return (
            Hook(_AGENT, "Agent.run", operation_hook(_agent)),
            Hook(_AGENT, "Agent.run_async", operation_hook(_agent, is_async=True)),
            Hook("haystack.tools.tool", "Tool.invoke", operation_hook(_tool)),
        )


__all__ = ["HaystackInstrumentor"]
