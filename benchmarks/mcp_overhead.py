"""What otel-llm's MCP instrumentation costs per ``tools/call`` round trip, client and server together.

A real ``MCPServer`` and ``ClientSession`` talk over the SDK's in-process memory streams (the JSON-RPC
dispatcher on both ends, as on stdio, without a process boundary), in one thread, so the thread's CPU time
counts both ends. The global tracer provider is set (``BatchSpanProcessor`` into a no-op exporter, plus a
``MeterProvider`` with an in-memory reader), so the uninstrumented blocks pay for the SDK's own spans; the
instrumented blocks run otel-llm's spans and metrics instead. Blocks alternate, ``--rounds`` times; figures
are medians over rounds of each block's median per call, and the per-round difference (median, IQR).

    .venv/bin/python benchmarks/mcp_overhead.py [--calls 200] [--rounds 8]
"""

from __future__ import annotations

import argparse
import statistics
import time

import anyio
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult


class _CountingExporter(SpanExporter):
    """Drops spans, counting them per instrumentation scope (to show which spans each variant made)."""

    def __init__(self) -> None:
        self.scopes: dict[str, int] = {}

    def export(self, spans):
        for span in spans:
            scope = span.instrumentation_scope.name
            self.scopes[scope] = self.scopes.get(scope, 0) + 1
        return SpanExportResult.SUCCESS


def _server():
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("bench")

    @server.tool()
    async def add(a: int, b: int) -> int:  # async: a sync tool would run in a worker thread
        return a + b

    return server


async def _block(calls: int) -> tuple[float, float]:
    """Median (CPU µs, wall µs) per ``tools/call`` over one session."""
    from mcp.client.session import ClientSession
    from mcp.shared.memory import create_client_server_memory_streams

    lowlevel = _server()._lowlevel_server
    cpu, wall = [], []
    streams = create_client_server_memory_streams()
    async with streams as (client_streams, server_streams), anyio.create_task_group() as group:
        group.start_soon(lambda: lowlevel.run(*server_streams, lowlevel.create_initialization_options()))
        async with ClientSession(*client_streams) as session:
            await session.initialize()
            await session.call_tool("add", {"a": 1, "b": 2})  # warm-up (and the tool listing)
            for _ in range(calls):
                c0, w0 = time.thread_time_ns(), time.perf_counter_ns()
                await session.call_tool("add", {"a": 1, "b": 2})
                cpu.append(time.thread_time_ns() - c0)
                wall.append(time.perf_counter_ns() - w0)
        group.cancel_scope.cancel()
    return statistics.median(cpu) / 1000, statistics.median(wall) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    trace.set_tracer_provider(provider := TracerProvider())
    exporter = _CountingExporter()
    provider.add_span_processor(processor := BatchSpanProcessor(exporter))
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
    from otel_llm.instrumentation.mcp import MCPInstrumentor

    instrumentor = MCPInstrumentor()
    results: dict[str, list[tuple[float, float]]] = {"sdk_spans": [], "otel_llm": []}
    scopes: dict[str, dict[str, int]] = {"sdk_spans": {}, "otel_llm": {}}
    for round_ in range(args.rounds):
        order = ["sdk_spans", "otel_llm"] if round_ % 2 == 0 else ["otel_llm", "sdk_spans"]
        for variant in order:
            if variant == "otel_llm":
                instrumentor.instrument()
            results[variant].append(anyio.run(_block, args.calls))
            processor.force_flush()
            for scope, count in exporter.scopes.items():
                scopes[variant][scope] = scopes[variant].get(scope, 0) + count
            exporter.scopes = {}
            if variant == "otel_llm":
                instrumentor.uninstrument()
    print(f"tools/call round trip, client + server in one thread, {args.calls} calls x {args.rounds} rounds")
    print("variant      CPU µs/call   wall µs/call")
    for variant, runs in results.items():
        cpu = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        print(f"{variant:<12} {cpu:>11.0f} {wall:>14.0f}")
    for index, clock in ((0, "CPU"), (1, "wall")):
        paired = [ours[index] - sdk[index] for ours, sdk in zip(results["otel_llm"], results["sdk_spans"])]
        low, mid, high = statistics.quantiles(paired, n=4) if len(paired) > 1 else (paired[0],) * 3
        spread = f"IQR {low:+.0f} .. {high:+.0f} over rounds"
        print(f"otel-llm - sdk_spans, {clock}: median {mid:+.0f} µs per call ({spread})")


if __name__ == "__main__":
    main()
