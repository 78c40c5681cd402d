"""Patching shared by every instrumentor: wrap SDK methods so a provider only writes its mapping.

A provider describes each method it instruments with an :class:`Operation` (how to start the
invocation from the call's arguments, how to read a response, how to read a finished stream's
chunks) and lists them as :class:`Patch` entries. This module does the rest: wrapt patching,
unpatching, running the call inside our span's context, stream proxies, and the do-no-harm rule:
our own errors are logged, the SDK's results and exceptions pass through untouched.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import wrapt
from opentelemetry import context
from opentelemetry.instrumentation.utils import unwrap

from otel_llm.instrumentation._raw_responses import RawResponseProxy, is_raw_response
from otel_llm.instrumentation._refusals import build_refusal
from otel_llm.telemetry.contexts import in_context
from otel_llm.telemetry.guarding import (
    ChunkGuard,
    Guard,
    GuardrailBlock,
    TextMapping,
    current_guard,
    guard_input,
    guard_output,
    refusal_of,
)
from otel_llm.telemetry.invocation import GENAI_SPAN_KEY, GenAITelemetry, Invocation
from otel_llm.telemetry.scrub import client_secrets
from otel_llm.telemetry.streams import (
    AsyncGeneratorStreamProxy,
    AsyncStreamProxy,
    GeneratorStreamProxy,
    StreamProxy,
)
from otel_llm.telemetry.texts import tailed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Operation:
    """How one SDK method maps onto the core."""

    start: Callable[[GenAITelemetry, Any, dict[str, Any]], Invocation | None]
    """``start(telemetry, instance, kwargs)``: start the invocation for this call (or ``None``)."""
    on_response: Callable[[Invocation, Any], None]
    """Read a non-streamed response into the invocation."""
    finish_stream: Callable[[Invocation, list[Any]], None] | None = None
    """Read the chunks of a finished stream into the invocation."""
    arguments: Callable[[tuple, dict[str, Any]], dict[str, Any]] | None = None
    """For methods called positionally: the call's ``(args, kwargs)`` as the dict ``start`` reads."""
    inner_stream: Callable[[Any, Callable[[Any], Any]], Any] | None = None
    """For results that hold a stream (e.g. a dict with an event stream): ``inner_stream(result, wrap)``
    puts ``wrap(stream)`` in place of the stream and returns the result; the proxy then ends the span."""
    texts: TextMapping | None = None
    """Where the call's input and output texts are, for guardrails."""
    stream_window: Callable[[Invocation], int | None] | None = None
    """How many of a stream's last chunks ``finish_stream`` needs (besides the first); ``None``: all."""
    app_callbacks: Callable[[dict[str, Any], Callable[[Callable], Callable]], dict[str, Any]] | None = None
    """For SDKs that call the app's functions back (automatic function calling): ``app_callbacks(kwargs,
    outside)`` returns the kwargs with each app function ``f`` replaced by ``outside(f)``, which runs it
    as app code (our span its parent, nothing suppressed); the user's objects are not mutated."""
    refusal: str | None = None
    """The response format (a key of ``_refusals.BUILDERS``) in which a ``respond`` guardrail rule's
    refusal is returned when it stops the input; without one, the block is raised."""


@dataclass(frozen=True)
class Patch:
    module: str
    method: str  # "Class.method"
    operation: Operation | None  # None with ``closes_stream``
    is_async: bool = False
    stream_manager: str | None = None
    """Set for methods returning a stream manager: the helper stream's raw-stream attribute."""
    closes_stream: str | None = None
    """Set for an SDK helper stream's ``close`` or its manager's ``__exit__``/``__aexit__``, which close the
    HTTP response rather than the raw stream that our proxy wraps: the helper's raw-stream attribute. The
    proxy there is ended too (with the exception that left the ``with`` block, if any)."""
    instead_inside_ours: Callable[[tuple, dict[str, Any]], Any] | None = None
    """Set for an SDK's own span factory (an SDK that traces itself): given the call's ``(args, kwargs)``,
    what it returns instead, with no span, while one of our GenAI spans is current (one call, one span)."""


def _one_shot(value: Any) -> bool:
    """A generator or other iterator that reading would consume (files, which are iterators too, are not)."""
    return isinstance(value, Iterator) and not hasattr(value, "read")


def materialised(args: tuple, kwargs: dict[str, Any]) -> tuple[tuple, dict[str, Any]]:
    """The call's arguments with one-shot iterables (``messages=(m for m in ...)``) made lists, once: the
    instrumentation and guardrails read them, and the SDK then sends the same items."""
    if any(_one_shot(v) for v in kwargs.values()):
        kwargs = {k: list(v) if _one_shot(v) else v for k, v in kwargs.items()}
    if any(_one_shot(v) for v in args):
        args = tuple(list(v) if _one_shot(v) else v for v in args)
    return args, kwargs


def sync_and_async(
    module: str,
    method: str,
    operation: Operation,
    async_method: str | None = None,
    stream_manager: str | None = None,
) -> tuple[Patch, Patch]:
    """The patches of a sync method (``"Class.method"``) and of its async twin (by default the same
    method of ``AsyncClass``)."""
    twin = async_method or f"Async{method}"
    return (
        Patch(module, method, operation, stream_manager=stream_manager),
        Patch(module, twin, operation, is_async=True, stream_manager=stream_manager),
    )


def _start(
    telemetry: GenAITelemetry, operation: Operation, instance: Any, kwargs: dict[str, Any], args: tuple = ()
):
    try:
        if operation.arguments is not None:
            kwargs = operation.arguments(args, kwargs)
        invocation = operation.start(telemetry, instance, kwargs)
        if invocation is not None:
            invocation.sensitive = lambda: _sensitive_texts(invocation, operation, instance, kwargs)
        return invocation
    except Exception:
        logger.exception("otel-llm failed to start a span; the call goes ahead untraced")
        return None


def _sensitive_texts(
    invocation: Invocation, operation: Operation, instance: Any, kwargs: dict[str, Any]
) -> set[str]:
    """What a failed call's error text must not record: the client's keys, and the prompt when content
    is not captured (servers echo the request; SDKs put the reply into the exception's message)."""
    sensitive = client_secrets(instance)
    if not invocation.capture and operation.texts is not None:
        for text in operation.texts.input_texts(kwargs):
            sensitive.update((text, json.dumps(text)[1:-1]))  # as sent, and as echoed in a JSON body
    return sensitive


def _outside(invocation: Invocation) -> Callable[[Callable], Callable]:
    """Wraps an app function that the SDK calls back so that it runs in the app's context."""
    return lambda function: in_context(function, invocation.callback_context)


def _with_app_callbacks(
    operation: Operation, invocation: Invocation, kwargs: dict[str, Any]
) -> dict[str, Any]:
    if operation.app_callbacks is None:
        return kwargs
    try:
        return operation.app_callbacks(kwargs, _outside(invocation))
    except Exception:
        logger.exception("otel-llm could not wrap the app's callbacks; they run as the SDK's calls")
        return kwargs


def _guard_for(telemetry: GenAITelemetry, operation: Operation) -> Guard | None:
    if operation.texts is None:
        return None
    try:
        return current_guard(telemetry)
    except Exception:
        logger.exception("otel-llm could not look up the active guardrails")
        return None


def _guarded_arguments(
    guard: Guard, operation: Operation, args: tuple, kwargs: dict[str, Any], invocation: Invocation
) -> tuple[tuple, dict[str, Any]]:
    """The call's ``(args, kwargs)`` after the input checks. For methods called positionally the
    mapping reads the named arguments (``Operation.arguments``); redacted ones are passed by name.
    Redactions apply to the invocation's captured input content too."""
    texts: TextMapping = operation.texts  # type: ignore[assignment]
    if operation.arguments is None:
        return args, guard_input(guard, texts, kwargs, invocation.redact_input)
    named = operation.arguments(args, kwargs)
    checked = guard_input(guard, texts, named, invocation.redact_input)
    return (args, kwargs) if checked is named else ((), checked)


def _refusal(
    operation: Operation,
    error: BaseException,
    args: tuple,
    kwargs: dict[str, Any],
    invocation: Invocation,
    is_async: bool,
) -> Any:
    """The SDK-typed refusal answering a call whose input a ``respond`` rule stopped, else ``None``."""
    text = refusal_of(error) if isinstance(error, GuardrailBlock) else None
    if text is None or operation.refusal is None:
        return None
    named = operation.arguments(args, kwargs) if operation.arguments is not None else kwargs
    try:
        return build_refusal(operation.refusal, named, text, invocation.stream, is_async)
    except Exception:
        logger.exception("otel-llm could not build the %s refusal; the block is raised", operation.refusal)
        return None


def _complete(
    invocation: Invocation, operation: Operation, result: Any, proxy: type | None, guard: Guard | None
) -> Any:
    """End the invocation from a response, or hand back a stream proxy that will end it.

    With a guard, output checks run first, so telemetry records what the app receives; a block
    fails the invocation and reaches the app.
    """
    texts = operation.texts
    try:
        if proxy is not None and invocation.stream and operation.finish_stream is not None:
            chunk_guard = _chunk_guard(guard, texts, invocation)
            window = operation.stream_window(invocation) if operation.stream_window is not None else None
            stream = result if chunk_guard is None else tailed(texts, result)
            return proxy(stream, invocation, operation.finish_stream, chunk_guard, window)
        if invocation.stream and operation.inner_stream is not None and operation.finish_stream is not None:
            finish = operation.finish_stream
            inner_guard = _chunk_guard(guard, texts, invocation)
            return operation.inner_stream(
                result,
                lambda stream: StreamProxy(
                    stream if inner_guard is None else tailed(texts, stream), invocation, finish, inner_guard
                ),
            )
        if guard is not None and texts is not None:
            token = context.attach(invocation.call_context())  # the check's span: a child of the call's
            try:
                guard_output(guard, texts, result)
            finally:
                context.detach(token)
        operation.on_response(invocation, result)
    except Exception as error:
        if isinstance(error, GuardrailBlock):  # a guardrail's block reaches the app; others are our bugs
            invocation.fail(error)
            raise
        logger.exception("otel-llm failed to read a response")
    invocation.end()
    return result


def positional_arguments(*names: str) -> Callable[[tuple, dict[str, Any]], dict[str, Any]]:
    """An ``Operation.arguments`` for methods whose first parameters may be passed positionally."""

    def arguments(args: tuple, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {**dict(zip(names, args)), **kwargs}

    return arguments


def _sync_call_proxy(result: Any) -> type | None:
    """The stream proxy for what a sync call returned (an SDK generator is read in our context)."""
    if inspect.isgenerator(result):
        return GeneratorStreamProxy
    if hasattr(result, "__next__"):
        return StreamProxy
    if inspect.isasyncgen(result):  # e.g. Cohere's AsyncV2Client.chat_stream: not awaited
        return AsyncGeneratorStreamProxy
    if hasattr(result, "__anext__"):  # the refusal answering such a call
        return AsyncStreamProxy
    return None


def _async_call_proxy(result: Any) -> type | None:
    if inspect.isasyncgen(result):
        return AsyncGeneratorStreamProxy
    return AsyncStreamProxy if hasattr(result, "__anext__") else None


def _parsed_later(invocation: Invocation, operation: Operation, raw: Any, guard: Guard | None) -> Any:
    """A raw response (``with_raw_response``/``with_streaming_response``): complete from what it parses to."""

    def complete(parsed: Any) -> Any:
        proxy = None
        if invocation.stream:
            is_async = hasattr(parsed, "__anext__") or inspect.isasyncgen(parsed)
            proxy = _async_call_proxy(parsed) if is_async else _sync_call_proxy(parsed)
        return _complete(invocation, operation, parsed, proxy, guard)

    return RawResponseProxy(raw, invocation, complete)


def sync_wrapper(telemetry: GenAITelemetry, operation: Operation) -> Callable[..., Any]:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        args, kwargs = materialised(args, kwargs)
        invocation = _start(telemetry, operation, instance, kwargs, args)
        if invocation is None:
            return wrapped(*args, **kwargs)
        kwargs = _with_app_callbacks(operation, invocation, kwargs)
        guard = _guard_for(telemetry, operation)
        token = context.attach(invocation.call_context())
        try:
            if guard is not None:
                args, kwargs = _guarded_arguments(guard, operation, args, kwargs, invocation)
            result = wrapped(*args, **kwargs)
        except BaseException as error:
            # an SDK method that is an async generator (not awaited) is answered with an async stream
            is_async = inspect.isasyncgenfunction(wrapped)
            refusal = _refusal(operation, error, args, kwargs, invocation, is_async)
            if refusal is None:
                invocation.fail(error)
                raise
            result, guard = refusal, None  # answered with the refusal; the SDK is not called
        finally:
            context.detach(token)
        if is_raw_response(result):
            return _parsed_later(invocation, operation, result, guard)
        proxy = _sync_call_proxy(result) if invocation.stream else None
        return _complete(invocation, operation, result, proxy, guard)

    return wrapper


def async_wrapper(telemetry: GenAITelemetry, operation: Operation) -> Callable[..., Any]:
    async def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        args, kwargs = materialised(args, kwargs)
        invocation = _start(telemetry, operation, instance, kwargs, args)
        if invocation is None:
            return await wrapped(*args, **kwargs)
        kwargs = _with_app_callbacks(operation, invocation, kwargs)
        guard = _guard_for(telemetry, operation)
        token = context.attach(invocation.call_context())
        try:
            if guard is not None:
                args, kwargs = _guarded_arguments(guard, operation, args, kwargs, invocation)
            result = await wrapped(*args, **kwargs)
        except BaseException as error:
            refusal = _refusal(operation, error, args, kwargs, invocation, is_async=True)
            if refusal is None:
                invocation.fail(error)
                raise
            result, guard = refusal, None  # answered with the refusal; the SDK is not called
        finally:
            context.detach(token)
        if is_raw_response(result):
            return _parsed_later(invocation, operation, result, guard)
        proxy = _async_call_proxy(result) if invocation.stream else None
        return _complete(invocation, operation, result, proxy, guard)

    return wrapper


def _chunk_guard(guard: Guard | None, texts: TextMapping | None, invocation: Invocation) -> ChunkGuard | None:
    """The guard of a stream's chunks, if there is a guard and the mapping reads chunks."""
    if guard is None or texts is None or texts.chunk_texts is None:
        return None
    return ChunkGuard(guard, texts, invocation.call_context())


class _ManagerEntry:
    """The entry shared by the sync and async stream-manager proxies.

    The manager sends its request on enter, so input guardrails run there, in the call's context; a
    redacted request replaces the manager with one made from the redacted arguments (``remake``)."""

    _self_start: Callable[[], Invocation | None]
    _self_operation: Operation
    _self_remake: Callable[[dict[str, Any]], Any]
    _self_kwargs: dict[str, Any]
    _self_raw: str
    _self_proxy: Any

    def _self_setup(
        self,
        start: Callable[[], Invocation | None],
        operation: Operation,
        remake: Callable[[dict[str, Any]], Any],
        kwargs: dict[str, Any],
        raw: str,
    ) -> None:
        self._self_start, self._self_operation, self._self_remake = start, operation, remake
        self._self_kwargs, self._self_raw, self._self_proxy = kwargs, raw, None

    def _self_guard_input(self, invocation: Invocation) -> Guard | None:
        guard = _guard_for(invocation.telemetry, self._self_operation)
        if guard is not None:
            texts: TextMapping = self._self_operation.texts  # type: ignore[assignment]
            kwargs = guard_input(guard, texts, self._self_kwargs, invocation.redact_input)
            if kwargs is not self._self_kwargs:
                self.__wrapped__ = self._self_remake(kwargs)
        return guard

    def _self_track(self, stream: Any, invocation: Invocation, proxy: type, guard: Guard | None) -> Any:
        """Put a proxy around the raw stream the helper stream reads; the helper itself is unchanged."""
        raw = getattr(stream, self._self_raw, None)
        if raw is None:  # an SDK version without the expected attribute: nothing to read
            invocation.end()
            return stream
        texts = self._self_operation.texts
        chunk_guard = _chunk_guard(guard, texts, invocation)
        if chunk_guard is not None:
            raw = tailed(texts, raw)
        self._self_proxy = proxy(raw, invocation, self._self_operation.finish_stream, chunk_guard)
        setattr(stream, self._self_raw, self._self_proxy)
        return stream

    def _self_leave(self, exc: BaseException | None) -> None:
        if self._self_proxy is not None:
            self._self_proxy._self_end(exc)


class StreamManagerProxy(_ManagerEntry, wrapt.ObjectProxy):
    """Wraps an SDK stream *manager* (``with client.messages.stream(...) as stream``), whose request is
    made on enter: the span starts there, and ``__enter__`` returns the SDK's own helper stream."""

    def __init__(self, manager: Any, *setup: Any) -> None:
        super().__init__(manager)
        self._self_setup(*setup)

    def __enter__(self) -> Any:
        invocation = self._self_start()
        if invocation is None:
            return self.__wrapped__.__enter__()
        token = context.attach(invocation.call_context())
        try:
            guard = self._self_guard_input(invocation)
            stream = self.__wrapped__.__enter__()
        except BaseException as error:
            invocation.fail(error)
            raise
        finally:
            context.detach(token)
        return self._self_track(stream, invocation, StreamProxy, guard)

    def __exit__(self, exc_type: Any, exc: BaseException | None, traceback: Any) -> Any:
        self._self_leave(exc)  # before the manager closes the stream, which would end it as a success
        return self.__wrapped__.__exit__(exc_type, exc, traceback)


class AsyncStreamManagerProxy(_ManagerEntry, wrapt.ObjectProxy):
    """The ``async with`` form of :class:`StreamManagerProxy`."""

    def __init__(self, manager: Any, *setup: Any) -> None:
        super().__init__(manager)
        self._self_setup(*setup)

    async def __aenter__(self) -> Any:
        invocation = self._self_start()
        if invocation is None:
            return await self.__wrapped__.__aenter__()
        token = context.attach(invocation.call_context())
        try:
            guard = self._self_guard_input(invocation)
            stream = await self.__wrapped__.__aenter__()
        except BaseException as error:
            invocation.fail(error)
            raise
        finally:
            context.detach(token)
        return self._self_track(stream, invocation, AsyncStreamProxy, guard)

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, traceback: Any) -> Any:
        self._self_leave(exc)
        return await self.__wrapped__.__aexit__(exc_type, exc, traceback)


def stream_manager_wrapper(
    telemetry: GenAITelemetry, operation: Operation, raw_attribute: str, is_async: bool
) -> Callable[..., Any]:
    """Wrap a method that returns a stream manager; ``raw_attribute`` names the raw SDK stream that the
    manager's helper stream reads (e.g. Anthropic's ``MessageStream._raw_stream``)."""
    proxy_class = AsyncStreamManagerProxy if is_async else StreamManagerProxy

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        args, kwargs = materialised(args, kwargs)
        manager = wrapped(*args, **kwargs)
        if operation.finish_stream is None:
            return manager
        return proxy_class(
            manager,
            lambda: _start(telemetry, operation, instance, kwargs, args),
            operation,
            lambda redacted: wrapped(*args, **redacted),
            kwargs,
            raw_attribute,
        )

    return wrapper


def _proxy_in(helper: Any, raw_attribute: str) -> Any:
    """Our stream proxy behind an SDK helper stream, or behind the helper a stream manager holds."""
    for candidate in (helper, *vars(helper).values()) if hasattr(helper, "__dict__") else (helper,):
        raw = getattr(candidate, raw_attribute, None)
        if isinstance(raw, StreamProxy | AsyncStreamProxy):
            return raw
    return None


def closing_wrapper(raw_attribute: str, is_async: bool) -> Callable[..., Any]:
    """Wrap a helper's ``close``/``__exit__`` (see ``Patch.closes_stream``) so that it ends our proxy."""

    def proxy_and_error(instance: Any, args: tuple) -> tuple[Any, BaseException | None]:
        try:
            error = args[1] if len(args) >= 2 and isinstance(args[1], BaseException) else None
            return _proxy_in(instance, raw_attribute), error
        except Exception:
            logger.exception("otel-llm could not find the stream behind an SDK stream helper")
            return None, None

    def end(proxy: Any, error: BaseException | None) -> None:
        if proxy is not None:
            proxy._self_end(error)

    if is_async:

        async def async_wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict) -> Any:
            proxy, error = proxy_and_error(instance, args)
            if error is not None:  # with the app's error, before the SDK closes (which would be a success)
                end(proxy, error)
            try:
                return await wrapped(*args, **kwargs)
            finally:
                end(proxy, None)

        return async_wrapper

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict) -> Any:
        proxy, error = proxy_and_error(instance, args)
        if error is not None:
            end(proxy, error)
        try:
            return wrapped(*args, **kwargs)
        finally:
            end(proxy, None)

    return wrapper


def no_sdk_span_inside_ours(instead: Callable[[tuple, dict[str, Any]], Any]) -> Callable[..., Any]:
    """Wrap an SDK's own span factory (see ``Patch.instead_inside_ours``)."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        if context.get_value(GENAI_SPAN_KEY):
            return instead(args, kwargs)
        return wrapped(*args, **kwargs)

    return wrapper


def apply_patch(telemetry: GenAITelemetry, patch: Patch, module: Any) -> bool:
    """Wrap the patch's method in ``module``; ``False`` when this SDK version lacks it."""
    try:
        if patch.closes_stream is not None:
            wrapper = closing_wrapper(patch.closes_stream, patch.is_async)
        elif patch.instead_inside_ours is not None:
            wrapper = no_sdk_span_inside_ours(patch.instead_inside_ours)
        elif patch.operation is None:
            raise ValueError(f"{patch.method}: a patch needs an operation or closes_stream")
        elif patch.stream_manager is not None:
            wrapper = stream_manager_wrapper(telemetry, patch.operation, patch.stream_manager, patch.is_async)
        else:
            wrapper = (async_wrapper if patch.is_async else sync_wrapper)(telemetry, patch.operation)
        wrapt.wrap_function_wrapper(module, patch.method, wrapper)
    except AttributeError:
        logger.debug("%s.%s is not in this SDK version; not instrumented", patch.module, patch.method)
        return False
    return True


def remove_patches(patches: Sequence[Patch] | Sequence[Any]) -> None:
    """Unwrap each patch (or anything naming a ``module`` and ``method``, like a framework hook)."""
    for patch in patches:
        unwrap_attribute(patch.module, patch.method)


def unwrap_attribute(module: str, attribute: str) -> None:
    """Undo ``wrapt.wrap_function_wrapper(module, attribute, ...)`` (``attribute``: "Class.method")."""
    owner_name, _, method = attribute.rpartition(".")  # no owner: a module-level function
    try:
        owner: Any = importlib.import_module(module)
        for part in owner_name.split(".") if owner_name else ():
            owner = getattr(owner, part)
        unwrap(owner, method)
    except (ImportError, AttributeError):
        logger.debug("could not unwrap %s.%s", module, attribute)
