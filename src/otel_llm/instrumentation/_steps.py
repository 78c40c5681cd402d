"""What the agent-framework hooks share: running a wrapped call inside a core operation, tool steps.

The wrappers of each framework (``<framework>/_hooks.py``) are built from these; they load when the
instrumentor's ``hooks()`` runs in ``_instrument()``, never when the instrumentor is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from opentelemetry import context, trace

from otel_llm.instrumentation._framework import Wrapper
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import Operation, OperationKind, start_operation


def call_within(operation: Operation | None, call: Callable[[], Any]) -> Any:
    """``call()`` with ``operation`` current, ending it with the outcome; the result is unchanged."""
    if operation is None:
        return call()
    token = context.attach(operation.context())
    try:
        result = call()
    except BaseException as error:
        operation.fail(error)
        raise
    finally:
        context.detach(token)
    operation.end()
    return result


async def await_within(operation: Operation | None, call: Callable[[], Any]) -> Any:
    """:func:`call_within` for a ``call`` returning an awaitable."""
    if operation is None:
        return await call()
    token = context.attach(operation.context())
    try:
        result = await call()
    except BaseException as error:
        operation.fail(error)
        raise
    finally:
        context.detach(token)
    operation.end()
    return result


def iterate_within(operation: Operation | None, steps: Iterator[Any]) -> Iterator[Any]:
    """The framework's step generator with ``operation`` current while each step runs; the operation ends
    when the steps run out, fail, or the app stops reading (a close is not a failure)."""
    if operation is None:
        yield from steps
        return
    try:
        while True:
            token = context.attach(operation.context())
            try:
                step = next(steps)
            except StopIteration:
                break
            finally:
                context.detach(token)
            yield step
    except GeneratorExit:
        close = getattr(steps, "close", None)
        if close is not None:
            close()
        operation.end()
        raise
    except BaseException as error:
        operation.fail(error)
        raise
    operation.end()


TOOL_TYPE_FUNCTION = "function"

Start = Callable[[GenAITelemetry, Any, tuple, dict[str, Any]], Operation | None]
"""``start(telemetry, instance, args, kwargs)``: the operation of one wrapped call (or ``None``)."""


def current_agent_name() -> str | None:
    """The ``gen_ai.agent.name`` of the current span when it is an agent's (the agent running a tool)."""
    attributes = getattr(trace.get_current_span(), "attributes", None) or {}
    if attributes.get(A.GEN_AI_OPERATION_NAME) == A.GenAiOperationNameValues.INVOKE_AGENT:
        return attributes.get(A.GEN_AI_AGENT_NAME)
    return None


def start_tool(
    telemetry: GenAITelemetry,
    name: str | None,
    description: str | None,
    arguments: Any,
    attributes: dict[str, Any] | None = None,
) -> Operation | None:
    """An ``execute_tool`` operation for a function tool; its arguments are content (recorded if captured)."""
    operation = start_operation(
        telemetry,
        OperationKind.EXECUTE_TOOL,
        name,
        attributes={
            A.GEN_AI_TOOL_TYPE: TOOL_TYPE_FUNCTION,
            A.GEN_AI_TOOL_DESCRIPTION: description,
            A.GEN_AI_AGENT_NAME: current_agent_name(),
            **(attributes or {}),
        },
    )
    if operation is not None and operation.capture:
        operation.content[A.GEN_AI_TOOL_CALL_ARGUMENTS] = arguments
    return operation


def with_result(operation: Operation | None, result: Any) -> Any:
    """``result``, recorded as the call's result when ``operation`` is a tool call capturing content."""
    if (
        operation is not None
        and operation.capture
        and operation.start_attributes.get(A.GEN_AI_OPERATION_NAME) == A.GenAiOperationNameValues.EXECUTE_TOOL
    ):
        operation.content[A.GEN_AI_TOOL_CALL_RESULT] = result
    return result


def operation_hook(start: Start, is_async: bool = False) -> Callable[[GenAITelemetry], Wrapper]:
    """A :class:`Hook` wrapper factory: each wrapped call runs inside the operation ``start`` gives it."""

    def factory(telemetry: GenAITelemetry) -> Wrapper:
        def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
            operation = start(telemetry, instance, args, kwargs)
            return call_within(operation, lambda: with_result(operation, wrapped(*args, **kwargs)))

        async def async_wrapper(
            wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]
        ) -> Any:
            operation = start(telemetry, instance, args, kwargs)

            async def call() -> Any:
                return with_result(operation, await wrapped(*args, **kwargs))

            return await await_within(operation, call)

        return async_wrapper if is_async else wrapper

    return factory
