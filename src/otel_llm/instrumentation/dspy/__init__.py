"""DSPy instrumentation: ``ReAct`` agents and their tool calls over our providers' model-call spans.

- ``dspy.ReAct.forward`` / ``aforward`` -> ``invoke_agent {signature name}`` (``invoke_agent`` for
  inline signatures such as ``"question -> answer"``), current while the agent's predictors and tools run;
- ``dspy.Tool.__call__`` / ``acall`` (the agent's tools and its ``finish`` tool) ->
  ``execute_tool {tool name}``;
- model calls -> CLIENT spans: DSPy's own ``lm15`` engine (its default where it can) is recorded here
  (``_lm15``); calls it sends through LiteLLM are our LiteLLM instrumentor's (``otel-llm[litellm]``).
  DSPy's cache answers without a model call and so without a span.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from otel_llm.instrumentation._framework import FrameworkInstrumentor, Hook

if TYPE_CHECKING:
    from otel_llm.instrumentation._wrapping import Patch


_ENGINE = "dspy.clients.engines.lm15_engine"
_REACT = "dspy.predict.react"
_TOOL = "dspy.adapters.types.tool"


class DSPyInstrumentor(FrameworkInstrumentor):
    requirements = ("dspy >= 2.6",)
    package = "dspy"

    def patches(self) -> Sequence[Patch]:
        from otel_llm.instrumentation._wrapping import Patch
        from otel_llm.instrumentation.dspy import _lm15

        return (
            Patch(_ENGINE, "LM15Engine.complete", _lm15.COMPLETE),
            Patch(_ENGINE, "AsyncLM15Engine.complete", _lm15.COMPLETE, is_async=True),
            Patch(_ENGINE, "LM15Engine.stream", _lm15.STREAM),
            # an async generator function: called, not awaited (the proxy reads it as the app does)
            Patch(_ENGINE, "AsyncLM15Engine.stream", _lm15.STREAM),
        )

    def hooks(self) -> Sequence[Hook]:
        from otel_llm.instrumentation._steps import operation_hook
        from otel_llm.instrumentation.dspy._hooks import agent, tool

        return (
            Hook(_REACT, "ReAct.forward", operation_hook(agent)),
            Hook(_REACT, "ReAct.aforward", operation_hook(agent, is_async=True)),
            Hook(_TOOL, "Tool.__call__", operation_hook(tool)),
            Hook(_TOOL, "Tool.acall", operation_hook(tool, is_async=True)),
        )


__all__ = ["DSPyInstrumentor"]
