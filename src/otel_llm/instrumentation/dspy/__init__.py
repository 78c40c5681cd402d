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

from collections.abc import Callable, Sequence
from typing import Any

from otel_llm.instrumentation._framework import (
    FrameworkInstrumentor,
    Hook,
    Wrapper,
    await_within,
    call_within,
)
from otel_llm.instrumentation._wrapping import Patch
from otel_llm.instrumentation.dspy import _lm15
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import Operation, OperationKind, start_operation

TOOL_TYPE_FUNCTION = "function"
_INLINE_SIGNATURE = "StringSignature"  # the class DSPy makes for "question -> answer"
_ENGINE = "dspy.clients.engines.lm15_engine"


def _agent(telemetry: GenAITelemetry, react: Any) -> Operation | None:
    name = getattr(getattr(react, "signature", None), "__name__", None)
    return start_operation(telemetry, OperationKind.INVOKE_AGENT, None if name == _INLINE_SIGNATURE else name)


def _tool(telemetry: GenAITelemetry, tool: Any, kwargs: dict[str, Any]) -> Operation | None:
    attributes = {
        A.GEN_AI_TOOL_TYPE: TOOL_TYPE_FUNCTION,
        A.GEN_AI_TOOL_DESCRIPTION: getattr(tool, "desc", None),
    }
    operation = start_operation(
        telemetry, OperationKind.EXECUTE_TOOL, getattr(tool, "name", None), attributes=attributes
    )
    if operation is not None and operation.capture:
        operation.content[A.GEN_AI_TOOL_CALL_ARGUMENTS] = kwargs
    return operation


def _recorded(operation: Operation | None, result: Any) -> Any:
    if operation is not None and operation.capture:
        operation.content[A.GEN_AI_TOOL_CALL_RESULT] = result
    return result


def _forward(telemetry: GenAITelemetry) -> Wrapper:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        return call_within(_agent(telemetry, instance), lambda: wrapped(*args, **kwargs))

    return wrapper


def _aforward(telemetry: GenAITelemetry) -> Wrapper:
    async def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        return await await_within(_agent(telemetry, instance), lambda: wrapped(*args, **kwargs))

    return wrapper


def _call(telemetry: GenAITelemetry) -> Wrapper:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        operation = _tool(telemetry, instance, kwargs)
        return call_within(operation, lambda: _recorded(operation, wrapped(*args, **kwargs)))

    return wrapper


def _acall(telemetry: GenAITelemetry) -> Wrapper:
    async def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        operation = _tool(telemetry, instance, kwargs)

        async def call() -> Any:
            return _recorded(operation, await wrapped(*args, **kwargs))

        return await await_within(operation, call)

    return wrapper


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
            Hook("dspy.predict.react", "ReAct.forward", _forward),
            Hook("dspy.predict.react", "ReAct.aforward", _aforward),
            Hook("dspy.adapters.types.tool", "Tool.__call__", _call),
            Hook("dspy.adapters.types.tool", "Tool.acall", _acall),
        )


__all__ = ["DSPyInstrumentor"]
