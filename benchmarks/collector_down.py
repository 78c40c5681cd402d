"""The app's latency and memory when the collector is down, against the in-memory exporter.

Each run is its own child process: the real ``openai`` SDK, instrumented by otel-llm, calls the fake
OpenAI server on loopback (in a process of its own, as a real provider is). Spans, metrics and logs go
through the OTel SDK's batch processors and a periodic metric reader (every second in every variant) to:

- ``in-memory``: in-memory exporters (the baseline);
- ``collector-down``: the OTLP/HTTP exporters otel-llm's SDK setup makes from ``OTEL_EXPORTER_OTLP_*``
  and batch processors (gated by ``sdk_setup.export_gate``), aimed at a closed port;
- ``collector-up``: the same, aimed at a sink process that accepts every export (the exporters' own work);
- ``collector-down-ungated``: the SDK's OTLP/HTTP exporters without the gate, at a closed port;
- ``discard``: exporters that succeed at once and keep nothing (the in-memory ones keep every span and log
  record, so their process never frees telemetry; this one frees it as any bounded exporter must).

Reported per run: the app's p50 and p99 call latency, the process's RSS growth, and how long
``shutdown()`` of the providers took. The variants run in turn ``--repeats`` times each, so that a change
of the machine's load hits all alike; the verdict compares the medians of the runs' p99s. The budget: the
collector-down p99 within 5% of the baseline's, memory bounded (the batch queues drop past their size),
and the handle's ``shutdown()`` (``sdk_setup.ConfiguredSDK``, all providers at once) within
``OTEL_LLM_SHUTDOWN_TIMEOUT`` (default 5 s).

    .venv/bin/python benchmarks/collector_down.py --calls 3000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

P99_BUDGET = 1.05
EXPORT_TIMEOUT_S = 2.0
VARIANTS = ("in-memory", "collector-down", "collector-up", "collector-down-ungated", "discard")
SINK = """
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
print(server.server_address[1], flush=True)
server.serve_forever()
"""
PROVIDER = """
import time
from otel_llm.demo.fake_server import FakeOpenAIServer
with FakeOpenAIServer() as server:
    print(server.base_url, flush=True)
    while True:
        time.sleep(3600)
"""


class Discard:
    """An exporter that succeeds at once and keeps nothing: the telemetry is freed after each export, as
    with any exporter that does not hold it all in memory."""

    def __init__(self, success: Any) -> None:
        self.success = success

    def export(self, batch: Any, *args: Any, **kwargs: Any) -> Any:
        return self.success

    def force_flush(self, timeout_millis: float = 30_000) -> bool:
        return True

    def shutdown(self, *args: Any, **kwargs: Any) -> None:
        pass


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
    from opentelemetry.sdk._logs.export import (
        InMemoryLogRecordExporter,
        LogRecordExportResult,
    )
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import (
        MetricExporter,
        MetricExportResult,
        PeriodicExportingMetricReader,
    )
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExportResult
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    import openai
    from otel_llm.instrumentation.openai import OpenAIInstrumentor
    from otel_llm.sdk_setup import ConfiguredSDK, batch_log_record_processor, batch_span_processor, exporters

    if variant in ("in-memory", "discard"):

        class InMemoryMetricExporter(MetricExporter):
            """Keeps the last export (the SDK has an in-memory metric reader, but no exporter)."""

            last: object = None

            def export(
                self, metrics_data: Any, timeout_millis: float = 10_000, **kwargs: Any
            ) -> MetricExportResult:
                self.last = metrics_data
                return MetricExportResult.SUCCESS

            def force_flush(self, timeout_millis: float = 10_000) -> bool:
                return True

            def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
                pass

        spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
        metric_exporter = InMemoryMetricExporter()
        if variant == "discard":
            spans, logs = Discard(SpanExportResult.SUCCESS), Discard(LogRecordExportResult.SUCCESS)
    elif variant == "collector-down-ungated":  # the SDK's own exporters, without otel-llm's gate
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = f"http://127.0.0.1:{closed_port()}"
        spans = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", timeout=EXPORT_TIMEOUT_S)
        logs = OTLPLogExporter(endpoint=f"{endpoint}/v1/logs", timeout=EXPORT_TIMEOUT_S)
        metric_exporter = OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics", timeout=EXPORT_TIMEOUT_S)
    else:  # the exporters otel-llm's SDK setup makes from the OTEL_EXPORTER_OTLP_* variables
        port = os.environ["SINK_PORT"] if variant == "collector-up" else closed_port()
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://127.0.0.1:{port}"
        os.environ["OTEL_EXPORTER_OTLP_TIMEOUT"] = str(EXPORT_TIMEOUT_S)
        (spans,), (logs,), (metric_exporter,) = (exporters(s) for s in ("traces", "logs", "metrics"))
    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=1000)
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(batch_span_processor(spans))
    meter_provider = MeterProvider(metric_readers=[reader])
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(batch_log_record_processor(logs))
    OpenAIInstrumentor().instrument(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        logger_provider=logger_provider,
        capture_mode="span_and_event",
    )
    latencies = []
    client = openai.OpenAI(base_url=os.environ["PROVIDER_URL"], api_key="sk-test", max_retries=0)
    messages = [{"role": "user", "content": "Tell me about spans"}]
    for _ in range(50):  # warm-up
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    start_rss = rss_kb()
    for _ in range(calls):
        started = time.perf_counter()
        client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        latencies.append(time.perf_counter() - started)
    grown = rss_kb() - start_rss
    handle = ConfiguredSDK([tracer_provider, meter_provider, logger_provider])  # what instrument() returns
    started = time.perf_counter()
    handle.shutdown()  # all providers at once, bounded by OTEL_LLM_SHUTDOWN_TIMEOUT (default 5 s)
    shutdown = time.perf_counter() - started
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies) * 1e3,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1e3,
        "rss_growth_mb": grown / 1024,
        "shutdown_s": shutdown,
    }


def load_average() -> str:
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each variant, alternating")
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # set in the child processes
    args = parser.parse_args(argv)
    from otel_llm.sdk_setup import shutdown_timeout

    if args.variant:
        print(json.dumps(run(args.variant, args.calls)))
        return 0
    runs: dict[str, list[dict[str, float]]] = {variant: [] for variant in VARIANTS}
    # "collector up": an OTLP/HTTP sink in a process of its own that accepts every export (200, no work)
    sink = subprocess.Popen([sys.executable, "-c", SINK], stdout=subprocess.PIPE, text=True)
    sink_port = sink.stdout.readline().strip()  # type: ignore[union-attr]
    # the provider in a process of its own too, as a real one is: in the app's process, its threads would
    # compete with the app's for the GIL and hide the exporters' cost in the baseline as well
    provider = subprocess.Popen([sys.executable, "-c", PROVIDER], stdout=subprocess.PIPE, text=True)
    provider_url = provider.stdout.readline().strip()  # type: ignore[union-attr]
    print(f"load average at start: {load_average()}")
    print(f"{'run':<20} {'p50 ms':>8} {'p99 ms':>8} {'RSS growth MB':>14} {'shutdown s':>11}  load")
    for repeat in range(args.repeats):
        for variant in VARIANTS:
            child = subprocess.run(
                [sys.executable, __file__, "--calls", str(args.calls), "--variant", variant],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "SINK_PORT": sink_port, "PROVIDER_URL": provider_url},
            )
            r = json.loads(child.stdout.strip().splitlines()[-1])
            runs[variant].append(r)
            row = f"{r['p50_ms']:8.3f} {r['p99_ms']:8.3f} {r['rss_growth_mb']:14.1f} {r['shutdown_s']:11.2f}"
            print(f"{variant + f' #{repeat + 1}':<20} {row}  {load_average()}", flush=True)
    sink.terminate()
    provider.terminate()
    median = {v: {k: statistics.median(r[k] for r in runs[v]) for k in runs[v][0]} for v in VARIANTS}
    for variant in VARIANTS:
        m = median[variant]
        row = f"{m['p50_ms']:8.3f} {m['p99_ms']:8.3f} {m['rss_growth_mb']:14.1f} {m['shutdown_s']:11.2f}"
        print(f"{variant + ' median':<20} {row}")
    ratio = median["collector-down"]["p99_ms"] / median["in-memory"]["p99_ms"]
    pairs = zip(runs["in-memory"], runs["collector-down"], strict=True)
    ratios = [down["p99_ms"] / base["p99_ms"] for base, down in pairs]
    print(f"p99 ratio collector-down / in-memory, per pair: {', '.join(f'{x:.3f}' for x in ratios)}")
    shutdown_ok = max(r["shutdown_s"] for r in runs["collector-down"]) <= shutdown_timeout() + 0.5
    print(f"p99 ratio of the medians: {ratio:.3f} (budget {P99_BUDGET}); shutdown in bound: {shutdown_ok}")
    discard = median["collector-down"]["p99_ms"] / median["discard"]["p99_ms"]
    print(f"p99 ratio collector-down / discard (the same freeing, no export work): {discard:.3f}")
    up = median["collector-up"]["p99_ms"] / median["in-memory"]["p99_ms"]
    print(f"p99 ratio collector-up / in-memory (the exporters' work when exports succeed): {up:.3f}")
    return 0 if ratio <= P99_BUDGET and shutdown_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
