"""MCP test fixtures: the instrumentor on the global test providers, and server subprocesses."""

from __future__ import annotations

import pytest

from otel_llm.instrumentation.mcp import MCPInstrumentor


@pytest.fixture
def instrumented(otel):
    instrumentor = MCPInstrumentor()
    instrumentor.instrument(tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider)
    yield otel
    instrumentor.uninstrument()
