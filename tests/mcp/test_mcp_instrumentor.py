"""Packaging and lifecycle: the entry point, ``otel_llm.instrument()``, uninstrument."""

from __future__ import annotations

from importlib.metadata import entry_points

from mcp.client.session import ClientSession

from otel_llm._instrument import available_instrumentors
from otel_llm.instrumentation.mcp import MCPInstrumentor
from tests.mcp.server_app import MCP_V1


def wrapped(attribute) -> bool:
    return type(attribute).__name__ in ("FunctionWrapper", "BoundFunctionWrapper")


def patched() -> tuple:
    """A client and a server hook of the installed SDK line (mcp 1.x or 2.x)."""
    if MCP_V1:
        from mcp.server.lowlevel.server import Server
        from mcp.server.session import ServerSession

        return (ClientSession.send_request, Server._handle_message, ServerSession.__aexit__)
    from mcp.server._otel import OpenTelemetryMiddleware
    from mcp.shared import jsonrpc_dispatcher

    dispatcher = jsonrpc_dispatcher.JSONRPCDispatcher
    return (dispatcher.send_raw_request, jsonrpc_dispatcher.otel_span, OpenTelemetryMiddleware.__call__)


def test_entry_point_and_discovery():
    (entry_point,) = [
        ep for ep in entry_points(group="opentelemetry_instrumentor") if ep.name == "otel_llm_mcp"
    ]
    assert entry_point.load() is MCPInstrumentor
    assert "MCPInstrumentor" in {type(i).__name__ for i in available_instrumentors()}


def test_uninstrument_restores_the_sdk(otel):
    instrumentor = MCPInstrumentor()
    instrumentor.instrument(tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider)
    assert all(wrapped(hook) for hook in (*patched(), ClientSession.__init__))
    instrumentor.uninstrument()
    assert not any(wrapped(hook) for hook in (*patched(), ClientSession.__init__))
