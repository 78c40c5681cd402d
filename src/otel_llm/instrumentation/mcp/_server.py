"""MCP server side: a SERVER span per inbound message, parented to the context in ``params._meta``.

The SDK's low-level server runs every message through ``OpenTelemetryMiddleware``; instrumented, that
middleware runs ours instead (one span per message, never two). A request from a client that sent no
trace context gets a root span (or a child of the ambient context); the request itself is not changed.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Mapping
from time import perf_counter
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import Link, Span, SpanKind

from otel_llm.instrumentation.mcp import _common as C
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry

logger = logging.getLogger(__name__)

_transports: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
"""Server ``Connection`` -> its ``network.transport``, as its first message showed."""


def _parent(meta: Mapping[str, Any] | None) -> tuple[context.Context | None, list[Link]]:
    """The remote parent from ``params._meta`` and, when there is one, a link to the ambient span."""
    if not meta:
        return None, []
    remote = propagate.extract(meta)
    if not trace.get_current_span(remote).get_span_context().is_valid:
        return None, []
    ambient = trace.get_current_span().get_span_context()
    return remote, [Link(ambient)] if ambient.is_valid else []


def _transport_attributes(ctx: Any) -> dict[str, Any]:
    """``network.transport`` (and for HTTP the protocol and client address) of an inbound message."""
    request = getattr(ctx, "request", None)
    outbound = getattr(ctx.session, "_request_outbound", None)
    kind = getattr(getattr(outbound, "transport", None), "kind", None)
    client = getattr(request, "client", None) if request is not None else None
    if client is None and kind not in C.HTTP_KINDS:
        return {A.NETWORK_TRANSPORT: A.NetworkTransportValues.PIPE} if kind == "jsonrpc" else {}
    return C.http_client_attributes(client)


def _connection_attributes(ctx: Any) -> dict[str, Any]:
    attributes = _transport_attributes(ctx)
    connection = getattr(ctx.session, "_connection", None)
    if connection is not None:
        session_id = getattr(connection, "session_id", None)
        if session_id:
            attributes[A.MCP_SESSION_ID] = session_id
        transport = attributes.get(A.NETWORK_TRANSPORT)
        if transport is not None:
            _transports[connection] = transport
    return attributes


def middleware_wrapper(telemetry: GenAITelemetry, instruments: C.MCPInstruments):
    """Replaces ``OpenTelemetryMiddleware.__call__(ctx, call_next)``."""

    async def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        started = _start(telemetry, args[0]) if len(args) == 2 and is_instrumentation_enabled() else None
        if started is None:  # the SDK's own middleware, as if uninstrumented
            return await wrapped(*args, **kwargs)
        span, attributes = started
        ctx, call_next = args
        return await C.run_in_span(
            telemetry.settings, instruments.server_operation, span, attributes, lambda: call_next(ctx)
        )

    return wrapper


def _start(telemetry: GenAITelemetry, ctx: Any) -> tuple[Span, dict[str, Any]] | None:
    try:
        name, attributes = C.request_attributes(ctx.method, ctx.params)
        attributes.update(C.tool_arguments(telemetry.settings, ctx.method, ctx.params))
        if isinstance(ctx.protocol_version, str):
            attributes[A.MCP_PROTOCOL_VERSION] = ctx.protocol_version
        if ctx.request_id is not None:
            attributes[A.JSONRPC_REQUEST_ID] = str(ctx.request_id)
        attributes.update(_connection_attributes(ctx))
        parent, links = _parent(ctx.meta)
        span = telemetry.tracer.start_span(
            name, context=parent, kind=SpanKind.SERVER, attributes=attributes, links=links
        )
        return span, attributes
    except Exception:
        logger.exception("otel-llm failed to start an MCP server span; the message is handled untraced")
        return None


def _stateless_versions() -> tuple[str, ...]:
    """Protocol versions without sessions: each request is a ``Connection`` of its own."""
    try:
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS
    except ImportError:
        return ()
    return tuple(MODERN_PROTOCOL_VERSIONS)


def connection_wrapper(instruments: C.MCPInstruments):
    """Around ``Connection.__init__``: ``mcp.server.session.duration`` when the connection closes
    (not for the single-request connections of stateless protocol versions)."""
    stateless = _stateless_versions()

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        wrapped(*args, **kwargs)
        try:
            if instance.protocol_version in stateless:
                return
            instance.exit_stack.callback(_record_session, instruments, weakref.ref(instance), perf_counter())
        except Exception:
            logger.exception("otel-llm could not time an MCP server session")

    return wrapper


def _record_session(instruments: C.MCPInstruments, connection_ref: Any, started: float) -> None:
    try:
        connection = connection_ref()
        attributes: dict[str, Any] = {}
        if connection is not None:
            version = getattr(connection, "protocol_version", None)
            if isinstance(version, str):
                attributes[A.MCP_PROTOCOL_VERSION] = version
            transport = _transports.get(connection)
            if transport is not None:
                attributes[A.NETWORK_TRANSPORT] = transport
                if transport == A.NetworkTransportValues.TCP:
                    attributes[A.NETWORK_PROTOCOL_NAME] = "http"
        instruments.server_session.record(perf_counter() - started, attributes)
    except Exception:
        logger.exception("otel-llm could not record an MCP server session")
