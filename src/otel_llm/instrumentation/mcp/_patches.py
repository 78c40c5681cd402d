"""The MCP SDK functions the instrumentor wraps, and their wrappers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from otel_llm.instrumentation.mcp import _client, _server
from otel_llm.instrumentation.mcp._common import MCPInstruments
from otel_llm.telemetry.invocation import GenAITelemetry

Wrapper = Callable[[Any, Any, tuple, dict], Any]


def wrappers(telemetry: GenAITelemetry) -> list[tuple[str, str, Wrapper]]:
    """(module, attribute path, wrapper) for every patch."""
    instruments = MCPInstruments(telemetry.meter)
    enter, exit_ = _client.session_wrappers(instruments)
    return [
        ("mcp.client.stdio", "_create_platform_compatible_process", _client.stdio_process_wrapper),
        ("mcp.client.streamable_http", "StreamableHTTPTransport.__init__", _client.http_transport_wrapper),
        ("mcp.client.session", "ClientSession.__init__", _client.session_init_wrapper),
        ("mcp.client.session", "ClientSession.__aenter__", enter),
        ("mcp.client.session", "ClientSession.__aexit__", exit_),
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
