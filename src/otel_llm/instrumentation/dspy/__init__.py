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
from typing import Any

from otel_llm.instrumentation._framework import FrameworkInstrumentor, Hook, operation_hook, start_tool
from otel_llm.instrumentation._wrapping import Patch
from otel_llm.instrumentation.dspy import _lm15
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import Operation, OperationKind, start_operation

_INLINE_SIGNATURE = "StringSignature"  # the class DSPy makes for "question -> answer"
_ENGINE = "dspy.clients.engines.lm15_engine"
_REACT = "dspy.predict.react"
_TOOL = "dspy.adapters.types.tool"


def _agent(telemetry: GenAITelemetry, react: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    name = getattr(getattr(react, "signature", None), "__name__", None)
    return start_operation(telemetry, OperationKind.INVOKE_AGENT, None if name == _INLINE_SIGNATURE else name)


def _tool(telemetry: GenAITelemetry, tool: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    return start_tool(telemetry, getattr(tool, "name", None), getattr(tool, "desc", None), kwargs)


class DSPyInstrumentor(FrameworkInstrumentor):
    requirements = ("dspy >= 2.6",)
    package = "dspy"

    def patches(self) -> Sequence[Patch]:
        return (
            Patch(_ENGINE, "LM15Engine.complete", _lm15.COMPLETE),
            Patch(_ENGINE, "AsyncLM15Engine.complete", _lm15.COMPLETE, is_async=True),
        )

    def hooks(self) -> Sequence[Hook]:
        return (
            Hook(_REACT, "ReAct.forward", operation_hook(_agent)),
            Hook(_REACT, "ReAct.aforward", operation_hook(_agent, is_async=True)),
            Hook(_TOOL, "Tool.__call__", operation_hook(_tool)),
            Hook(_TOOL, "Tool.acall", operation_hook(_tool, is_async=True)),
        )


__all__ = ["DSPyInstrumentor"]
