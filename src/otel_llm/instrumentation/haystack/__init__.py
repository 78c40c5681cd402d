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

from otel_llm.instrumentation._framework import FrameworkInstrumentor, Hook

_AGENT = "haystack.components.agents.agent"


class HaystackInstrumentor(FrameworkInstrumentor):
    requirements = ("haystack-ai >= 2.9",)
    package = "haystack"

    def hooks(self) -> Sequence[Hook]:
        from otel_llm.instrumentation._steps import operation_hook
        from otel_llm.instrumentation.haystack._hooks import agent, tool, tool_span_wrapper

        return (
            Hook(_AGENT, "Agent.run", operation_hook(agent)),
            Hook(_AGENT, "Agent.run_async", operation_hook(agent, is_async=True)),
            Hook("haystack.tools.tool", "Tool.invoke", operation_hook(tool)),
            # the ToolCall being answered (its id), opened around each Tool.invoke in the call's context
            Hook("haystack.components.agents.tool_calling", "_create_tool_span", tool_span_wrapper),
        )


__all__ = ["HaystackInstrumentor"]
