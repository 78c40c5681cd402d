"""The mcp 1.x mapping (``mcp >= 1.25, < 2``) onto the same spans, metrics and ``params._meta`` context.

mcp 1.x has no JSON-RPC dispatcher and no telemetry of its own. Client: ``ClientSession.send_request`` /
``.send_notification`` get the CLIENT span; the trace context goes into ``params._meta`` of a copy of the
request (the app's request object is never changed). Server: ``Server._handle_message`` (every request
but ``initialize``, every notification) and ``ServerSession._received_request`` (``initialize``) get the
SERVER span; the response the SDK sends (``RequestResponder.respond``) is the outcome, since the SDK turns
handler exceptions into error responses. Transport, session id and durations as in 2.x.
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from contextvars import ContextVar
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import Span, SpanKind

from otel_llm.instrumentation.mcp import _client
from otel_llm.instrumentation.mcp import _common as C
from otel_llm.instrumentation.mcp._server import _parent
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry

logger = logging.getLogger(__name__)

_DUMP = {"by_alias": True, "mode": "json", "exclude_none": True}


# -- client ---------------------------------------------------------------------------------------


def _with_trace_context(message: Any, span: Span) -> Any:
    """A copy of the request/notification model with ``span``'s context in ``params._meta``."""
    try:
        data = message.model_dump(**_DUMP)
        target = data.get("params") or {}
        meta = dict(target.get("_meta") or {})
        propagate.inject(meta, context=trace.set_span_in_context(span))
        if not meta:
            return message
        data["params"] = {**target, "_meta": meta}
        return type(message).model_validate(data)
    except Exception:
        logger.exception("otel-llm could not add trace context to an MCP request")
        return message


def outbound_wrapper(telemetry: GenAITelemetry, instruments: C.MCPInstruments, *, notification: bool):
    """Around ``ClientSession.send_request(request, result_type, ...)`` / ``.send_notification``."""

    async def wrapper(wrapped, instance, args, kwargs):
        started = _start_client(telemetry, instance, args, kwargs, notification)
        if started is None:
            return await wrapped(*args, **kwargs)
        span, attributes, message = started
        key = "notification" if notification else "request"
        if args:
            args = (message, *args[1:])
        else:
            kwargs = {**kwargs, key: message}
        result = await C.run_in_span(
            telemetry.settings,
            instruments.client_operation,
            span,
            attributes,
            lambda: wrapped(*args, **kwargs),
        )
        if attributes[A.MCP_METHOD_NAME] == C.INITIALIZE:
            with contextlib.suppress(Exception):
                session = _client._sessions.get(instance)
                if session is not None and isinstance(result.protocolVersion, str):
                    session.protocol_version = result.protocolVersion
        return result

    return wrapper


def _start_client(telemetry, session: Any, args: tuple, kwargs: dict[str, Any], notification: bool):
    try:
        if not is_instrumentation_enabled():
            return None
        message = args[0] if args else kwargs["notification" if notification else "request"]
        data = message.model_dump(**_DUMP)
        request_id = None if notification else session._request_id  # the id send_request assigns next
    except Exception:
        logger.exception("otel-llm failed to start an MCP client span; the request goes ahead untraced")
        return None
    started = _client.start_span(telemetry, session, data["method"], data.get("params"), request_id)
    if started is None:
        return None
    span, attributes = started
    return span, attributes, _with_trace_context(message, span)


# -- server ---------------------------------------------------------------------------------------


@dataclass
class _ServerSession:
    transport: str | None
    started: float


_server_sessions: weakref.WeakKeyDictionary[Any, _ServerSession] = weakref.WeakKeyDictionary()
_stdio: ContextVar[bool] = ContextVar("otel_llm_mcp1_stdio", default=False)
"""Set by ``stdio_server()``: the ``ServerSession`` made next in this context runs over a pipe."""
_response: ContextVar[list | None] = ContextVar("otel_llm_mcp1_response", default=None)
"""``[responder, response]`` of the request whose SERVER span is current."""


def stdio_server_wrapper(wrapped, instance, args, kwargs):
    with contextlib.suppress(Exception):
        _stdio.set(True)
    return wrapped(*args, **kwargs)


def server_session_init_wrapper(wrapped, instance, args, kwargs):
    wrapped(*args, **kwargs)
    with contextlib.suppress(Exception):
        transport = A.NetworkTransportValues.PIPE if _stdio.get() else None
        _server_sessions[instance] = _ServerSession(transport, perf_counter())


def respond_wrapper(wrapped, instance, args, kwargs):
    """Around ``RequestResponder.respond(response)``: the response is the current span's outcome."""
    with contextlib.suppress(Exception):
        holder = _response.get()
        if holder is not None and holder[0] is instance:
            holder[1] = args[0] if args else kwargs.get("response")
    return wrapped(*args, **kwargs)


def _protocol_version(session: Any) -> str | None:
    params = getattr(session, "client_params", None)
    requested = getattr(params, "protocolVersion", None)
    if not isinstance(requested, str):
        return None
    from mcp.shared.version import SUPPORTED_PROTOCOL_VERSIONS
    from mcp.types import LATEST_PROTOCOL_VERSION

    return requested if requested in SUPPORTED_PROTOCOL_VERSIONS else LATEST_PROTOCOL_VERSION


def _transport_attributes(session: Any, responder: Any) -> dict[str, Any]:
    request = getattr(getattr(responder, "message_metadata", None), "request_context", None)
    state = _server_sessions.get(session)
    client = getattr(request, "client", None)
    if request is None or not hasattr(request, "headers"):
        transport = state.transport if state is not None else None
        if transport is None:
            return {}
        if transport == A.NetworkTransportValues.PIPE:
            return {A.NETWORK_TRANSPORT: transport}
        return {A.NETWORK_TRANSPORT: transport, A.NETWORK_PROTOCOL_NAME: "http"}
    if state is not None:
        state.transport = A.NetworkTransportValues.TCP
    attributes = C.http_client_attributes(client)
    session_id = request.headers.get("mcp-session-id")
    if session_id:
        attributes[A.MCP_SESSION_ID] = session_id
    return attributes


def _start_server(telemetry: GenAITelemetry, session: Any, message: Any):
    """The SERVER span of a ``RequestResponder`` or a ``ClientNotification`` (or ``None``)."""
    try:
        if not is_instrumentation_enabled():
            return None
        responder = message if hasattr(message, "request_id") else None
        data = (message.request if responder is not None else message).model_dump(**_DUMP)
        method, params = data["method"], data.get("params")
        name, attributes = C.request_attributes(method, params)
        attributes.update(C.tool_arguments(telemetry.settings, method, params))
        version = _protocol_version(session)
        if version is not None:
            attributes[A.MCP_PROTOCOL_VERSION] = version
        if responder is not None:
            attributes[A.JSONRPC_REQUEST_ID] = str(responder.request_id)
        attributes.update(_transport_attributes(session, responder))
        parent, links = _parent((params or {}).get("_meta"))
        span = telemetry.tracer.start_span(
            name, context=parent, kind=SpanKind.SERVER, attributes=attributes, links=links
        )
        return span, attributes, responder
    except Exception:
        logger.exception("otel-llm failed to start an MCP server span; the message is handled untraced")
        return None


async def _serve(
    telemetry: GenAITelemetry,
    instruments: C.MCPInstruments,
    session: Any,
    message: Any,
    wrapped: Any,
    args: tuple,
    kwargs: dict[str, Any],
) -> Any:
    started = _start_server(telemetry, session, message)
    if started is None:
        return await wrapped(*args, **kwargs)
    span, attributes, responder = started
    holder: list = [responder, None]
    returned: list = [None]

    async def call():
        returned[0] = await wrapped(*args, **kwargs)
        response = holder[1]
        return getattr(response, "root", response)  # ServerResult -> the result model, or ErrorData

    token = _response.set(holder)
    try:
        await C.run_in_span(telemetry.settings, instruments.server_operation, span, attributes, call)
    finally:
        _response.reset(token)
    return returned[0]


def handle_message_wrapper(telemetry: GenAITelemetry, instruments: C.MCPInstruments):
    """Around ``Server._handle_message(message, session, lifespan_context, raise_exceptions)``."""

    async def wrapper(wrapped, instance, args, kwargs):
        message = args[0] if args else kwargs.get("message")
        session = args[1] if len(args) > 1 else kwargs.get("session")
        if isinstance(message, Exception):
            return await wrapped(*args, **kwargs)
        return await _serve(telemetry, instruments, session, message, wrapped, args, kwargs)

    return wrapper


def received_request_wrapper(telemetry: GenAITelemetry, instruments: C.MCPInstruments):
    """Around ``ServerSession._received_request(responder)``: ``initialize``, which it answers itself."""

    async def wrapper(wrapped, instance, args, kwargs):
        responder = args[0] if args else kwargs.get("responder")
        method = getattr(getattr(getattr(responder, "request", None), "root", None), "method", None)
        if method != C.INITIALIZE:
            return await wrapped(*args, **kwargs)
        return await _serve(telemetry, instruments, instance, responder, wrapped, args, kwargs)

    return wrapper


def server_session_exit_wrapper(instruments: C.MCPInstruments):
    """Around ``ServerSession.__aexit__``: ``mcp.server.session.duration``."""

    async def wrapper(wrapped, instance, args, kwargs):
        try:
            return await wrapped(*args, **kwargs)
        finally:
            try:
                state = _server_sessions.pop(instance, None)
                if state is not None:
                    attributes: dict[str, Any] = {}
                    version = _protocol_version(instance)
                    if version is not None:
                        attributes[A.MCP_PROTOCOL_VERSION] = version
                    if state.transport is not None:
                        attributes[A.NETWORK_TRANSPORT] = state.transport
                        if state.transport == A.NetworkTransportValues.TCP:
                            attributes[A.NETWORK_PROTOCOL_NAME] = "http"
                    instruments.server_session.record(perf_counter() - state.started, attributes)
            except Exception:
                logger.exception("otel-llm could not record an MCP server session")

    return wrapper
