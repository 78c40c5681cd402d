"""MCP client side: a CLIENT span per request, W3C trace context in ``params._meta``, session metrics.

The SDK's dispatcher opens a span of its own around each request and injects the current context into
``params._meta`` (SEP-414). While our span is current, that span is ours (``adopt_sdk_span``): the
dispatcher injects our context and no second span is made. Transport and session come from the
transport the session was built on (stdio pipe, or the streamable-HTTP transport and its session id).
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from time import perf_counter
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import propagate, trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import Span, SpanKind

from otel_llm.instrumentation.mcp import _common as C
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry

logger = logging.getLogger(__name__)


@dataclass
class Transport:
    """The client end of one transport: ``network.transport``, the server and (HTTP) the session id."""

    network_transport: str
    server_address: str | None = None
    server_port: int | None = None
    http: Any = None  # the streamable-HTTP transport, which learns the session id from the server

    def attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {A.NETWORK_TRANSPORT: self.network_transport}
        if self.http is not None:
            attributes[A.NETWORK_PROTOCOL_NAME] = "http"
        if self.server_address:
            attributes[A.SERVER_ADDRESS] = self.server_address
            if self.server_port:
                attributes[A.SERVER_PORT] = self.server_port
        return attributes

    @property
    def session_id(self) -> str | None:
        return getattr(self.http, "session_id", None) if self.http is not None else None


@dataclass
class Session:
    transport: Transport | None
    session: Any  # weakref.ref to the ClientSession
    started: float | None = None
    protocol_version: str | None = None  # mcp 1.x: from the initialize result (the session keeps none)

    def attributes(self) -> dict[str, Any]:
        attributes = self.transport.attributes() if self.transport is not None else {}
        session = self.session()
        version = getattr(session, "protocol_version", None) if session is not None else None
        version = version if isinstance(version, str) else self.protocol_version
        if isinstance(version, str):
            attributes[A.MCP_PROTOCOL_VERSION] = version
        return attributes


_pending_transport: ContextVar[Transport | None] = ContextVar("otel_llm_mcp_transport", default=None)
"""Set when a transport opens; the ``ClientSession`` built next in the same context takes it."""
_current_span: ContextVar[Span | None] = ContextVar("otel_llm_mcp_client_span", default=None)
_sessions: weakref.WeakKeyDictionary[Any, Session] = weakref.WeakKeyDictionary()
"""Dispatcher (mcp 2.x) or the ``ClientSession`` itself (1.x, which has no dispatcher) -> the session."""


def session_key(session: Any) -> Any:
    """What ``_sessions`` is keyed by: the object the outbound wrappers are called on."""
    dispatcher = getattr(session, "_dispatcher", None)
    return session if dispatcher is None else dispatcher


def stdio_process_wrapper(
    wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]
) -> Any:
    """Around ``mcp.client.stdio._create_platform_compatible_process``: the session runs over a pipe."""
    with contextlib.suppress(Exception):
        _pending_transport.set(Transport(A.NetworkTransportValues.PIPE))
    return wrapped(*args, **kwargs)


def http_transport_wrapper(
    wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]
) -> Any:
    """Around ``StreamableHTTPTransport.__init__``: the session runs over TCP to the URL's host."""
    wrapped(*args, **kwargs)
    try:
        url = urlsplit(str(instance.url))
        _pending_transport.set(Transport(A.NetworkTransportValues.TCP, url.hostname, url.port, instance))
    except Exception:
        logger.exception("otel-llm could not read the MCP streamable-HTTP transport")


def session_init_wrapper(
    wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]
) -> Any:
    wrapped(*args, **kwargs)
    try:
        transport = _pending_transport.get()
        _pending_transport.set(None)
        _sessions[session_key(instance)] = Session(transport, weakref.ref(instance))
    except Exception:
        logger.exception("otel-llm could not register an MCP client session")


def _session_of(instance: Any) -> Session | None:
    return _sessions.get(session_key(instance))


def session_wrappers(instruments: C.MCPInstruments):
    """``ClientSession.__aenter__``/``__aexit__`` wrappers: ``mcp.client.session.duration``."""

    async def enter(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        result = await wrapped(*args, **kwargs)
        session = _session_of(instance)
        if session is not None:
            session.started = perf_counter()
        return result

    async def exit_(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        session = _session_of(instance)
        try:
            return await wrapped(*args, **kwargs)
        finally:
            try:
                if session is not None and session.started is not None:
                    attributes = session.attributes()
                    exc_type = args[0] if args else kwargs.get("exc_type")
                    if exc_type is not None:
                        attributes[A.ERROR_TYPE] = exc_type.__qualname__
                    instruments.client_session.record(perf_counter() - session.started, attributes)
                    session.started = None
            except Exception:
                logger.exception("otel-llm could not record an MCP client session")

    return enter, exit_


def outbound_wrapper(telemetry: GenAITelemetry, instruments: C.MCPInstruments, *, notification: bool):
    """Around ``JSONRPCDispatcher.send_raw_request`` / ``.notify(method, params, opts)``: the CLIENT span.

    The SDK's dispatcher injects a request's context (inside ``adopt_sdk_span``, our span current); a
    notification's, which the SDK does not inject, goes into a copy of its ``params._meta`` here.
    """

    async def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        started = _start(telemetry, instance, args, kwargs)
        if started is None:
            return await wrapped(*args, **kwargs)
        span, attributes = started
        if notification:
            args, kwargs = _with_trace_context(span, args, kwargs)
        span_token = _current_span.set(span)
        try:
            return await C.run_in_span(
                telemetry.settings,
                instruments.client_operation,
                span,
                attributes,
                lambda: wrapped(*args, **kwargs),
            )
        finally:
            _current_span.reset(span_token)

    return wrapper


def _with_trace_context(span: Span, args: tuple, kwargs: dict[str, Any]) -> tuple[tuple, dict[str, Any]]:
    """The call's arguments with ``span``'s context injected into a copy of ``params._meta``."""
    try:
        params = args[1] if len(args) > 1 else kwargs.get("params")
        meta = dict((params or {}).get("_meta") or {})
        propagate.inject(meta, context=trace.set_span_in_context(span))
        if not meta:
            return args, kwargs
        params = {**(params or {}), "_meta": meta}
        if len(args) > 1:
            return (args[0], params, *args[2:]), kwargs
        return args, {**kwargs, "params": params}
    except Exception:
        logger.exception("otel-llm could not add trace context to an MCP notification")
        return args, kwargs


def _start(telemetry: GenAITelemetry, dispatcher: Any, args: tuple, kwargs: dict[str, Any]):
    try:
        if not is_instrumentation_enabled():
            return None
        method = args[0] if args else kwargs["method"]
        params = args[1] if len(args) > 1 else kwargs.get("params")
    except Exception:
        logger.exception("otel-llm failed to start an MCP client span; the request goes ahead untraced")
        return None
    return start_span(telemetry, dispatcher, method, params)


def start_span(
    telemetry: GenAITelemetry, key: Any, method: str, params: Any, request_id: Any = None
) -> tuple[Span, dict[str, Any]] | None:
    """The CLIENT span of one outbound message on the session keyed ``key`` (or ``None``: untraced)."""
    try:
        name, attributes = C.request_attributes(method, params)
        attributes.update(C.tool_arguments(telemetry.settings, method, params))
        if request_id is not None:
            attributes[A.JSONRPC_REQUEST_ID] = str(request_id)
        session = _sessions.get(key)
        if session is not None:
            attributes.update(session.attributes())
            session_id = session.transport.session_id if session.transport is not None else None
            if session_id:
                attributes[A.MCP_SESSION_ID] = session_id
        span = telemetry.tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        return span, attributes
    except Exception:
        logger.exception("otel-llm failed to start an MCP client span; the request goes ahead untraced")
        return None


def adopt_sdk_span(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    """Around the dispatcher's ``otel_span``: inside our request span, hand back ours (with the
    request id the dispatcher assigned) instead of opening a duplicate; elsewhere, the SDK's own."""
    span = _current_span.get()
    if span is None or trace.get_current_span() is not span:
        return wrapped(*args, **kwargs)
    try:
        request_id = (kwargs.get("attributes") or {}).get(A.JSONRPC_REQUEST_ID)
        if request_id is not None:
            span.set_attribute(A.JSONRPC_REQUEST_ID, str(request_id))
    except Exception:
        logger.exception("otel-llm could not read the MCP request id")
    return contextlib.nullcontext(span)
