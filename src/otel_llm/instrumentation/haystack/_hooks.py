"""Haystack's agent and tool wrappers (loaded by ``HaystackInstrumentor.hooks()``)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

from otel_llm.instrumentation._framework import Wrapper
from otel_llm.instrumentation._steps import start_tool
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import Operation, OperationKind, start_operation


def agent(telemetry: GenAITelemetry, agent: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    model = getattr(getattr(agent, "chat_generator", None), "model", None)
    attributes = {A.GEN_AI_REQUEST_MODEL: model if isinstance(model, str) else None}
    return start_operation(telemetry, OperationKind.INVOKE_AGENT, attributes=attributes)


def tool(telemetry: GenAITelemetry, tool: Any, args: tuple, kwargs: dict[str, Any]) -> Operation | None:
    attributes = {A.GEN_AI_TOOL_CALL_ID: CALL_ID.get()}
    return start_tool(
        telemetry, getattr(tool, "name", None), getattr(tool, "description", None), kwargs, attributes
    )


# The id of the tool call the current Tool.invoke answers: Haystack opens its own tool span with the
# ToolCall (``_create_tool_span``) around each invocation, in that invocation's context, and never passes
# the call to the tool itself.
CALL_ID: ContextVar[str | None] = ContextVar("otel_llm_haystack_tool_call_id", default=None)


class _WithCallId:
    """Haystack's tool-span context manager, with ``CALL_ID`` set while it is open."""

    def __init__(self, inner: Any, call_id: str | None) -> None:
        self._inner, self._call_id = inner, call_id
        self._token: Token[str | None] | None = None

    def __enter__(self) -> Any:
        entered = self._inner.__enter__()
        self._token = CALL_ID.set(self._call_id)
        return entered

    def __exit__(self, *exc: Any) -> Any:
        if self._token is not None:
            CALL_ID.reset(self._token)
        return self._inner.__exit__(*exc)


def tool_span_wrapper(telemetry: GenAITelemetry) -> Wrapper:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        manager = wrapped(*args, **kwargs)
        tool_call = args[1] if len(args) > 1 else kwargs.get("tool_call")
        call_id = getattr(tool_call, "id", None)
        return _WithCallId(manager, call_id if isinstance(call_id, str) else None)

    return wrapper
