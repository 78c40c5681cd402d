"""Packaging and lifecycle: the entry point, ``otel_llm.instrument()``, uninstrument."""

from __future__ import annotations

from importlib.metadata import entry_points

from mcp.client.session import ClientSession
from mcp.server._otel import OpenTelemetryMiddleware
from mcp.shared import jsonrpc_dispatcher

from otel_llm._instrument import available_instrumentors
from otel_llm.instrumentation.mcp import MCPInstrumentor


def wrapped(attribute) -> bool:
    return type(attribute).__name__ in ("FunctionWrapper", "BoundFunctionWrapper")


PATCHED = (
    lambda: jsonrpc_dispatcher.JSONRPCDispatcher.send_raw_request,
    lambda: jsonrpc_dispatcher.otel_span,
    lambda: OpenTelemetryMiddleware.__call__,
    lambda: ClientSession.__init__,
)


def test_entry_point_and_discovery():
    (entry_point,) = [
        ep for ep in entry_points(group="opentelemetry_instrumentor") if ep.name == "otel_llm_mcp"
    ]
    assert entry_point.load() is MCPInstrumentor
    assert "MCPInstrumentor" in {type(i).__name__ for i in available_instrumentors()}


def test_uninstrument_restores_the_sdk(otel):
    instrumentor = MCPInstrumentor()
    instrumentor.instrument(tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider)
    assert all(wrapped(get()) for get in PATCHED)
    instrumentor.uninstrument()
    assert not any(wrapped(get()) for get in PATCHED)
