"""The app's latency and memory when the collector is down, against the in-memory exporter.

Each variant runs in its own child process: the real ``openai`` SDK calls the fake OpenAI server on
loopback, instrumented by otel-llm, with spans, metrics and logs going through the OTel SDK's batch
processors either to in-memory exporters (the baseline) or to OTLP/HTTP exporters aimed at a closed port
(the collector down: every export fails and is retried with backoff). Reported per variant: the app's
p50 and p99 call latency, the process's peak RSS growth, and how long ``shutdown()`` of the providers
took. The budget: p99 within 5% of the baseline's, memory bounded (the batch queues drop past their size).

    .venv/bin/python benchmarks/collector_down.py --calls 3000
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

P99_BUDGET = 1.05


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once it is closed


def run(variant: str, calls: int) -> dict[str, float]:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, InMemoryLogRecordExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader, PeriodicExportingMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    import openai
    from otel_llm.demo.fake_server import FakeOpenAIServer
    from otel_llm.instrumentation.openai import OpenAIInstrumentor

    if variant == "in-memory":
        spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
        reader = InMemoryMetricReader()
    else:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = f"http://127.0.0.1:{closed_port()}"
        spans = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", timeout=2)
        logs = OTLPLogExporter(endpoint=f"{endpoint}/v1/logs", timeout=2)
        reader = PeriodicExportingMetricReader(
            OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics", timeout=2), export_interval_millis=1000
        )
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(spans))
    meter_provider = MeterProvider(metric_readers=[reader])
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(logs))
    OpenAIInstrumentor().instrument(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        logger_provider=logger_provider,
        capture_mode="span_and_event",
    )
    latencies = []
    with FakeOpenAIServer() as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
        messages = [{"role": "user", "content": "Tell me about spans"}]
        for _ in range(50):  # warm-up
            client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        start_rss = rss_kb()
        for _ in range(calls):
            started = time.perf_counter()
            client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            latencies.append(time.perf_counter() - started)
        grown = rss_kb() - start_rss
    started = time.perf_counter()
    for provider in (tracer_provider, meter_provider, logger_provider):
        provider.shutdown()
    shutdown = time.perf_counter() - started
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies) * 1e3,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1e3,
        "rss_growth_mb": grown / 1024,
        "shutdown_s": shutdown,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # set in the child processes
    args = parser.parse_args(argv)
    if args.variant:
        print(json.dumps(run(args.variant, args.calls)))
        return 0
    results = {}
    for variant in ("in-memory", "collector-down"):
        child = subprocess.run(
            [sys.executable, __file__, "--calls", str(args.calls), "--variant", variant],
            capture_output=True,
            text=True,
            check=True,
        )
        results[variant] = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"{'variant':<16} {'p50 ms':>8} {'p99 ms':>8} {'RSS growth MB':>14} {'shutdown s':>11}")
    for variant, r in results.items():
        row = f"{r['p50_ms']:8.3f} {r['p99_ms']:8.3f} {r['rss_growth_mb']:14.1f} {r['shutdown_s']:11.2f}"
        print(f"{variant:<16} {row}")
    ratio = results["collector-down"]["p99_ms"] / results["in-memory"]["p99_ms"]
    print(f"p99 ratio collector-down / in-memory: {ratio:.3f} (budget {P99_BUDGET})")
    return 0 if ratio <= P99_BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
