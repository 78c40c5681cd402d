"""Pipeline load: LLM spans through our collector (``otelcol-llm``, local.yaml) to Jaeger v2, counted there.

Starts the real processes on loopback ports (the cached binaries of ``otel-llm stack build``; nothing is
built here), then runs two phases of ``--seconds`` each at ``--rate`` spans/s from ``--generators``
processes, each sending OTLP/HTTP (protobuf, the SDK setup's default protocol) to the collector:

1. steady load;
2. the same load while the collector is restarted (SIGTERM, wait for its exit, start it again on the
   same ports) a third of the way in.

Each phase then counts the distinct span ids of its service that Jaeger's query API returns
(``/api/traces``, in one-second windows) and reports ``lost = sent - stored``; the collector's own
counters (accepted, sent, failed spans) are printed beside them.

The spans: every trace is an agent turn as otel-llm records it (``invoke_agent`` with a ``chat`` call
that asks for a tool, ``execute_tool``, and a second ``chat`` call), made once by the real core
(``GenAITelemetry``, ``start_operation``) and encoded by the OTel SDK's own OTLP encoder. That trace is
the template of every request: a generator copies it with fresh trace and span ids, times and response
ids. (Making every span through the Python SDK costs about 250 us of CPU per span here, span plus
encoding: 5,000 spans/s would take more than the machine's two cores before the collector and Jaeger got
any.) Each generator works like otel-llm's batch span processor: a bounded queue of batches
(``OTEL_BSP_MAX_QUEUE_SIZE`` spans, default ``sdk_setup.DEFAULT_QUEUE_SPANS``) in front of one export
thread that sends each batch with the SDK's own OTLP/HTTP exporter client, which retries connection
errors and 429/5xx with exponential backoff within the exporter timeout
(``OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`` / ``OTEL_EXPORTER_OTLP_TIMEOUT`` seconds, default 10); a batch
that finds the queue full, or fails past the timeout, is lost, as the SDK's would be.

    .venv/bin/python benchmarks/pipeline_load.py --rate 5000 --seconds 20 --generators 2
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from otel_llm.sdk_setup import DEFAULT_QUEUE_SPANS, QUEUE_SIZE_ENV

TRACE_SPANS = 4  # spans per agent turn (the template)
BATCH_TRACES = 128  # traces per request: 512 spans, the SDK's default batch size


def load_average() -> str:
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---------------------------------------------------------------- the template trace (the real core)


def template_spans() -> list[Any]:
    """One agent turn, recorded by otel-llm's core into an in-memory exporter: the finished SDK spans."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from otel_llm.telemetry.invocation import GenAITelemetry
    from otel_llm.telemetry.operations import OperationKind, activate, deactivate, start_operation

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry = GenAITelemetry(tracer_provider=provider, meter_provider=MeterProvider())
    agent = start_operation(
        telemetry,
        OperationKind.INVOKE_AGENT,
        "support-agent",
        attributes={"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini"},
    )
    assert agent is not None
    token = activate(agent.context())
    try:
        for finish, output in (("tool_calls", 18), ("stop", 64)):
            call = telemetry.start(
                "chat",
                "openai",
                "gpt-4o-mini",
                "api.openai.com",
                443,
                {"gen_ai.request.max_tokens": 256, "gen_ai.request.temperature": 0.2},
            )
            assert call is not None
            call.response_model = "gpt-4o-mini-2024-07-18"
            call.response_id = "chatcmpl-template"
            call.finish_reasons = [finish]
            call.input_tokens, call.output_tokens = 412, output
            call.end()
            if finish == "tool_calls":
                tool = start_operation(
                    telemetry,
                    OperationKind.EXECUTE_TOOL,
                    "get_weather",
                    attributes={"gen_ai.tool.type": "function", "gen_ai.tool.call.id": "call_template"},
                )
                assert tool is not None
                tool.end()
    finally:
        deactivate(token)
    agent.end()
    spans = list(exporter.get_finished_spans())
    assert len(spans) == TRACE_SPANS, [s.name for s in spans]
    return spans


# ---------------------------------------------------------------- a generator process


class BatchMaker:
    """OTLP requests of ``BATCH_TRACES`` template traces each, with fresh ids, times and response ids."""

    def __init__(self, service: str, generator: int):
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
        from opentelemetry.sdk.resources import Resource

        spans = template_spans()
        request = encode_spans(spans)
        resource_spans = request.resource_spans[0]
        resource_spans.resource.CopyFrom(_resource_proto(Resource.create({"service.name": service})))
        self.request = request
        self.template = [span for scope in resource_spans.scope_spans for span in scope.spans]
        self.span_ids = {span.span_id: index for index, span in enumerate(self.template)}
        self.generator = generator
        self.sequence = 0
        self.random = random.Random(generator)

    def batch(self) -> tuple[bytes, int]:
        """One serialized request and its span count."""
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        request = ExportTraceServiceRequest()
        request.CopyFrom(self.request)
        now = time.time_ns()
        count = 0
        for scope in request.resource_spans[0].scope_spans:
            originals = list(scope.spans)
            del scope.spans[:]
            for _ in range(BATCH_TRACES):
                self.sequence += 1
                trace_id = (
                    self.generator.to_bytes(4, "big")
                    + self.random.randbytes(4)
                    + self.sequence.to_bytes(8, "big")
                )
                for original in originals:
                    span = scope.spans.add()
                    span.CopyFrom(original)
                    span.trace_id = trace_id
                    span.span_id = self._span_id(trace_id, original.span_id)
                    if original.parent_span_id:
                        span.parent_span_id = self._span_id(trace_id, original.parent_span_id)
                    length = original.end_time_unix_nano - original.start_time_unix_nano
                    offset = original.start_time_unix_nano - self.template[0].start_time_unix_nano
                    span.start_time_unix_nano = now + offset
                    span.end_time_unix_nano = now + offset + length
                    for attribute in span.attributes:
                        if attribute.key == "gen_ai.response.id":
                            attribute.value.string_value = f"chatcmpl-{trace_id.hex()[-12:]}"
                    count += 1
        return request.SerializeToString(), count

    def _span_id(self, trace_id: bytes, template_id: bytes) -> bytes:
        return (trace_id[-6:] + self.span_ids[template_id].to_bytes(2, "big"))[-8:]


def _resource_proto(resource: Any) -> Any:
    from opentelemetry.exporter.otlp.proto.common._internal import _encode_resource

    return _encode_resource(resource)


def env_float(names: tuple[str, ...], default: float) -> float:
    for name in names:
        if os.environ.get(name):
            return float(os.environ[name])
    return default


def generate(endpoint: str, service: str, generator: int, rate: float, seconds: float) -> dict[str, Any]:
    """Send ``rate`` spans/s for ``seconds`` through a bounded queue and one exporting thread."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    maker = BatchMaker(service, generator)
    queue_spans = int(env_float((QUEUE_SIZE_ENV,), DEFAULT_QUEUE_SPANS))
    timeout = env_float(("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"), 10.0)
    exporter = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces", timeout=timeout)
    spans_per_batch = BATCH_TRACES * TRACE_SPANS
    batches: queue.Queue[tuple[bytes, int] | None] = queue.Queue(
        maxsize=max(1, queue_spans // spans_per_batch)
    )
    counts = {
        "sent": 0,
        "exported": 0,
        "dropped_queue_full": 0,
        "failed_export": 0,
        "export_seconds_max": 0.0,
    }

    def export_loop() -> None:
        while (item := batches.get()) is not None:
            data, count = item
            started = time.monotonic()
            # the SDK exporter's own client: its retries and backoff, on an already encoded request
            result = exporter._client.export(data)
            counts["export_seconds_max"] = max(counts["export_seconds_max"], time.monotonic() - started)
            counts["exported" if result.success else "failed_export"] += count

    thread = threading.Thread(target=export_loop, name="exporter", daemon=True)
    thread.start()
    started = time.monotonic()
    made = 0
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(rate * elapsed)
        if made >= due:  # a batch is made as soon as the spans sent fall behind the rate
            time.sleep(min(0.005, (made - due + 1) / rate))
            continue
        data, count = maker.batch()
        made += count
        counts["sent"] += count
        try:
            batches.put_nowait((data, count))
        except queue.Full:
            counts["dropped_queue_full"] += count
    generating = time.monotonic() - started
    batches.put(None)
    thread.join()
    exporter.shutdown()
    return {**counts, "seconds": generating, "rate": counts["sent"] / generating}


# ---------------------------------------------------------------- the processes and the count


def jaeger_span_ids(base_url: str, service: str, start_us: int, end_us: int) -> set[tuple[str, str]]:
    """Distinct (trace id, span id) pairs of ``service`` in Jaeger, read in one-second windows."""
    found: set[tuple[str, str]] = set()
    window = 1_000_000
    for lower in range(start_us, end_us, window):
        url = f"{base_url}/api/traces?service={service}&start={lower}&end={lower + window}&limit=100000"
        with urllib.request.urlopen(url, timeout=120) as response:
            data = json.load(response)
        for trace in data.get("data") or ():
            found.update((span["traceID"], span["spanID"]) for span in trace["spans"])
    return found


def collector_counters(telemetry_url: str) -> dict[str, float]:
    """The collector's own span counters (receiver accepted/refused, exporter sent/failed), by name."""
    wanted = (
        "otelcol_receiver_accepted_spans",
        "otelcol_receiver_refused_spans",
        "otelcol_exporter_sent_spans",
        "otelcol_exporter_send_failed_spans",
        "otelcol_exporter_enqueue_failed_spans",
    )
    totals: dict[str, float] = {}
    try:
        with urllib.request.urlopen(f"{telemetry_url}/metrics", timeout=10) as response:
            text = response.read().decode()
    except OSError:
        return totals
    for line in text.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name.removesuffix("_total") in wanted and 'exporter="span_metrics"' not in line:
            label = name.removesuffix("_total")
            if "exporter=" in line:
                label += "{" + line.split('exporter="', 1)[1].split('"', 1)[0] + "}"
            totals[label] = totals.get(label, 0.0) + float(line.rsplit(" ", 1)[1])
    return totals


def run_phase(
    name: str,
    args: argparse.Namespace,
    plan: Any,
    collector: Any,
    restart_at: float | None,
    generator_env: dict[str, str],
) -> dict[str, Any]:
    service = f"pipeline-load-{name}-{os.getpid()}"
    endpoint = plan.url("otlp_http")
    start_us = time.time_ns() // 1000 - 1_000_000
    children = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--generate",
                json.dumps([endpoint, service, index, args.rate / args.generators, args.seconds]),
            ],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, **generator_env},
        )
        for index in range(args.generators)
    ]
    restart: dict[str, float] = {}
    if restart_at is not None:
        time.sleep(restart_at)
        before = collector_counters(plan.url("collector_telemetry"))
        stopping = time.monotonic()
        collector.stop()
        stopped = time.monotonic()
        collector.start()
        collector.wait_healthy(120)
        restart = {
            "stop_s": stopped - stopping,
            "down_s": time.monotonic() - stopping,
            "accepted_before": before.get("otelcol_receiver_accepted_spans", 0.0),
        }
    results = []
    for child in children:
        out, _ = child.communicate()
        results.append(json.loads(out.strip().splitlines()[-1]))
    # let the collector's batch (1 s) and Jaeger's pipeline deliver, then read until the count holds
    end_us = time.time_ns() // 1000 + 1_000_000
    base = plan.url("jaeger_ui")
    stored: set[tuple[str, str]] = set()
    for _ in range(10):
        time.sleep(3)
        now = jaeger_span_ids(base, service, start_us, end_us)
        if stored and len(now) == len(stored):
            break
        stored = now
    sent = sum(r["sent"] for r in results)
    return {
        "phase": name,
        "sent": sent,
        "stored": len(stored),
        "lost": sent - len(stored),
        "rate": sum(r["rate"] for r in results),
        "generators": results,
        "restart": restart,
        "collector": collector_counters(plan.url("collector_telemetry")),
        "load": load_average(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5000.0, help="spans per second, all generators")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--generators", type=int, default=2)
    parser.add_argument("--phases", default="steady,restart")
    parser.add_argument(
        "--queue-size", type=int, default=0, help="OTEL_BSP_MAX_QUEUE_SIZE for the generators (0: the env's)"
    )
    parser.add_argument("--generate", help=argparse.SUPPRESS)  # a generator child: its JSON arguments
    args = parser.parse_args(argv)
    if args.generate:
        print(json.dumps(generate(*json.loads(args.generate))))
        return 0

    from otel_llm.stack.binaries import collector_binary_path, jaeger_binary_path
    from otel_llm.stack.ports import PortPlan
    from otel_llm.stack.services import collector_service, jaeger_service

    binaries = {
        "collector": Path(os.environ.get("OTEL_LLM_COLLECTOR_BIN") or collector_binary_path()),
        "jaeger": Path(os.environ.get("OTEL_LLM_JAEGER_BIN") or jaeger_binary_path()),
    }
    missing = [str(path) for path in binaries.values() if not path.exists()]
    if missing:
        print(f"missing binaries (run `otel-llm stack build`): {', '.join(missing)}", file=sys.stderr)
        return 2
    state = Path(tempfile.mkdtemp(prefix="otel-llm-pipeline-load-"))
    plan = PortPlan.ephemeral()
    jaeger = jaeger_service(plan, state, binary=binaries["jaeger"])
    collector = collector_service(plan, state, binary=binaries["collector"])
    generator_env = {"OTEL_BSP_MAX_QUEUE_SIZE": str(args.queue_size)} if args.queue_size else {}
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, load average {load_average()}")
    print(f"collector {binaries['collector'].name}, jaeger {binaries['jaeger'].name}, state {state}")
    failed = False
    try:
        jaeger.start()
        jaeger.wait_healthy(120)
        collector.start()
        collector.wait_healthy(120)
        for phase in args.phases.split(","):
            result = run_phase(
                phase, args, plan, collector, args.seconds / 3 if phase == "restart" else None, generator_env
            )
            print(json.dumps(result, indent=1), flush=True)
            print(
                f"{phase}: sent {result['sent']} at {result['rate']:.0f} spans/s, stored {result['stored']}, "
                f"lost {result['lost']}"
                + (f", collector down {result['restart']['down_s']:.1f} s" if result["restart"] else ""),
                flush=True,
            )
            failed |= result["lost"] != 0
    finally:
        collector.stop()
        jaeger.stop()
        shutil.rmtree(state, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
