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

from collections.abc import Sequence

from otel_llm.instrumentation._framework import FrameworkInstrumentor, Hook


class SmolagentsInstrumentor(FrameworkInstrumentor):
    requirements = ("smolagents >= 1.0",)
    package = "smolagents"

    def hooks(self) -> Sequence[Hook]:
        from otel_llm.instrumentation._steps import operation_hook
        from otel_llm.instrumentation.smolagents._hooks import run_wrapper, tool

        return (
            Hook("smolagents.agents", "MultiStepAgent.run", run_wrapper),
            Hook("smolagents.tools", "Tool.__call__", operation_hook(tool)),
        )


__all__ = ["SmolagentsInstrumentor"]
