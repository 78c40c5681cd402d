"""A real MCP server (``mcp`` SDK's MCPServer, formerly FastMCP) run as a subprocess by the tests.

    python server_app.py stdio
    python server_app.py http PORT

``OTEL_LLM_TEST_TELEMETRY=<file>`` makes it export its finished spans and, at exit, its metrics to that
file as JSON lines; ``OTEL_LLM_TEST_INSTRUMENT=1`` instruments it with otel-llm's MCPInstrumentor.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

MCP_V1 = version("mcp").startswith("1.")


class JsonLinesSpanExporter(SpanExporter):
    def __init__(self, path: str) -> None:
        self.path = path

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with open(self.path, "a", encoding="utf-8") as out:
            for span in spans:
                out.write(json.dumps({"span": span_record(span)}) + "\n")
        return SpanExportResult.SUCCESS


def span_record(span: ReadableSpan) -> dict:
    return {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": f"{span.context.trace_id:032x}",
        "span_id": f"{span.context.span_id:016x}",
        "parent_span_id": f"{span.parent.span_id:016x}" if span.parent else None,
        "parent_remote": bool(span.parent and span.parent.is_remote),
        "scope": span.instrumentation_scope.name if span.instrumentation_scope else None,
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
    }


def write_metrics(path: str, reader: InMemoryMetricReader) -> None:
    data = reader.get_metrics_data()
    points = []
    for resource_metrics in data.resource_metrics if data else ():
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                for point in metric.data.data_points:
                    points.append(
                        {
                            "name": metric.name,
                            "unit": metric.unit,
                            "count": point.count,
                            "bounds": list(point.explicit_bounds),
                            "attributes": dict(point.attributes),
                        }
                    )
    with open(path, "a", encoding="utf-8") as out:
        for point in points:
            out.write(json.dumps({"metric": point}) + "\n")


def build_server(port: int | None = None):
    """mcp 2.x: ``MCPServer``; mcp 1.x: ``FastMCP`` (which takes the HTTP host and port up front)."""
    if MCP_V1:
        from mcp.server.fastmcp import FastMCP

        server: Any = FastMCP("otel-llm-test", **({"host": "127.0.0.1", "port": port} if port else {}))
    else:
        from mcp.server.mcpserver import MCPServer

        server = MCPServer("otel-llm-test")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @server.tool()
    def explode(reason: str) -> str:
        """Always fails."""
        raise ValueError(f"exploded: {reason}")

    @server.resource("config://app")
    def app_config() -> str:
        return "mode=test"

    return server


def main(argv: list[str]) -> None:
    telemetry_file = os.environ.get("OTEL_LLM_TEST_TELEMETRY")
    reader = None
    if telemetry_file:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(telemetry_file)))
        trace.set_tracer_provider(provider)
        reader = InMemoryMetricReader()
        metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    if os.environ.get("OTEL_LLM_TEST_INSTRUMENT") == "1":
        from otel_llm.instrumentation.mcp import MCPInstrumentor

        MCPInstrumentor().instrument()
    port = int(argv[1]) if argv[0] == "http" else None
    server = build_server(port)

    def finish(*_signal: object) -> None:
        if telemetry_file and reader is not None:
            write_metrics(telemetry_file, reader)
        os._exit(0)

    # uvicorn shuts down gracefully on SIGTERM, then re-raises it to the handler installed before it.
    signal.signal(signal.SIGTERM, finish)
    if argv[0] == "stdio":
        server.run("stdio")
    elif MCP_V1:
        server.run("streamable-http")
    else:
        server.run("streamable-http", host="127.0.0.1", port=port)
    finish()


if __name__ == "__main__":
    main(sys.argv[1:])
