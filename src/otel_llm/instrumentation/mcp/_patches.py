"""The MCP SDK functions the instrumentor wraps, and their wrappers."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from otel_llm.instrumentation.mcp import _client, _server
from otel_llm.instrumentation.mcp._common import MCPInstruments
from otel_llm.telemetry.invocation import GenAITelemetry

Wrapper = Callable[[Any, Any, tuple, dict], Any]


def mcp_major() -> int:
    """The installed ``mcp`` SDK's major version: which mapping applies (1.x or 2.x)."""
    return int(version("mcp").split(".")[0])


def wrappers(telemetry: GenAITelemetry) -> list[tuple[str, str, Wrapper]]:
    """(module, attribute path, wrapper) for every patch of the installed SDK line."""
    instruments = MCPInstruments(telemetry.meter)
    enter, exit_ = _client.session_wrappers(instruments)
    shared: list[tuple[str, str, Wrapper]] = [
        ("mcp.client.stdio", "_create_platform_compatible_process", _client.stdio_process_wrapper),
        ("mcp.client.streamable_http", "StreamableHTTPTransport.__init__", _client.http_transport_wrapper),
        ("mcp.client.session", "ClientSession.__init__", _client.session_init_wrapper),
        ("mcp.client.session", "ClientSession.__aenter__", enter),
        ("mcp.client.session", "ClientSession.__aexit__", exit_),
    ]
    if mcp_major() < 2:
        return [*shared, *_v1_wrappers(telemetry, instruments)]
    return [
        *shared,
        (
            "mcp.shared.jsonrpc_dispatcher",
            "JSONRPCDispatcher.send_raw_request",
            _client.outbound_wrapper(telemetry, instruments, notification=False),
        ),
        (
            "mcp.shared.jsonrpc_dispatcher",
            "JSONRPCDispatcher.notify",
            _client.outbound_wrapper(telemetry, instruments, notification=True),
        ),
        ("mcp.shared.jsonrpc_dispatcher", "otel_span", _client.adopt_sdk_span),
        (
            "mcp.server._otel",
            "OpenTelemetryMiddleware.__call__",
            _server.middleware_wrapper(telemetry, instruments),
        ),
        ("mcp.server.connection", "Connection.__init__", _server.connection_wrapper(instruments)),
    ]


def _v1_wrappers(telemetry: GenAITelemetry, instruments: MCPInstruments) -> list[tuple[str, str, Wrapper]]:
    from otel_llm.instrumentation.mcp import _v1

    return [
        (
            "mcp.client.session",
            "ClientSession.send_request",
            _v1.outbound_wrapper(telemetry, instruments, notification=False),
        ),
        (
            "mcp.client.session",
            "ClientSession.send_notification",
            _v1.outbound_wrapper(telemetry, instruments, notification=True),
        ),
        ("mcp.server.stdio", "stdio_server", _v1.stdio_server_wrapper),
        ("mcp.server.fastmcp.server", "stdio_server", _v1.stdio_server_wrapper),
        (
            "mcp.server.lowlevel.server",
            "Server._handle_message",
            _v1.handle_message_wrapper(telemetry, instruments),
        ),
        ("mcp.server.session", "ServerSession.__init__", _v1.server_session_init_wrapper),
        (
            "mcp.server.session",
            "ServerSession._received_request",
            _v1.received_request_wrapper(telemetry, instruments),
        ),
        ("mcp.server.session", "ServerSession.__aexit__", _v1.server_session_exit_wrapper(instruments)),
        ("mcp.shared.session", "RequestResponder.respond", _v1.respond_wrapper),
    ]
