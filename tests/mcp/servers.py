"""Run ``server_app.py`` as a real subprocess (stdio or streamable HTTP on loopback) and read back the
spans and metrics it exported."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

SERVER_APP = str(Path(__file__).with_name("server_app.py"))


@dataclass
class ServerTelemetry:
    """What the server process exported: finished spans and, after it exited, its metric points."""

    path: Path
    spans: list[dict] = field(default_factory=list)
    metrics: list[dict] = field(default_factory=list)

    def read(self) -> ServerTelemetry:
        self.spans, self.metrics = [], []
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                (self.spans if "span" in record else self.metrics).append(
                    record.get("span") or record["metric"]
                )
        return self


def server_env(
    telemetry: Path, instrument: bool = True, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of a server subprocess: where to export, whether to instrument."""
    return {
        **os.environ,
        **(extra or {}),
        "OTEL_LLM_TEST_TELEMETRY": str(telemetry),
        "OTEL_LLM_TEST_INSTRUMENT": "1" if instrument else "0",
    }


@asynccontextmanager
async def stdio_session(
    telemetry: Path, instrument: bool = True, env: dict[str, str] | None = None
) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable, args=[SERVER_APP, "stdio"], env=server_env(telemetry, instrument, env)
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def http_server(telemetry: Path, instrument: bool = True) -> AsyncIterator[str]:
    """A streamable-HTTP server subprocess on loopback; yields its endpoint URL, then stops it."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, SERVER_APP, "http", str(port)],
        env=server_env(telemetry, instrument),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the MCP HTTP test server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()  # uvicorn shuts down gracefully; the app then writes its metrics
        process.wait(timeout=30)


@asynccontextmanager
async def http_session(url: str) -> AsyncIterator[ClientSession]:
    async with streamable_http_client(url) as streams, ClientSession(*streams[:2]) as session:  # 1.x: 3
        await session.initialize()
        yield session


def server_violations(server: ServerTelemetry) -> list:
    """The conformance checker's verdict on the spans and metric points the server process exported."""
    from opentelemetry.sdk.metrics.export import AggregationTemporality, Histogram, HistogramDataPoint
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode

    from otel_llm.testing.conformance import ConformanceChecker

    checker = ConformanceChecker()
    spans = [
        ReadableSpan(
            name=span["name"],
            context=SpanContext(int(span["trace_id"], 16), int(span["span_id"], 16), is_remote=False),
            kind=SpanKind[span["kind"]],
            attributes=span["attributes"],
            status=Status(StatusCode[span["status"]]),
        )
        for span in server.spans
    ]
    found = checker.check(spans)
    for point in server.metrics:
        data_point = HistogramDataPoint(
            point["attributes"], 0, 1, point["count"], 0.0, [], point["bounds"], 0.0, 0.0
        )
        data = Histogram([data_point], AggregationTemporality.CUMULATIVE)
        found += checker.check_metric(point["name"], point["unit"], data)
    return found
