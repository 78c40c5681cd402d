"""``otel-llm demo``: see otel-llm's telemetry in the terminal, with no API key and no network.

Starts a fake OpenAI-compatible server on loopback, drives the real ``openai`` SDK through a small
sample app, and prints the trace tree and a metrics summary. When ``OTEL_EXPORTER_OTLP_ENDPOINT``
is set, the same telemetry is also exported there over OTLP (``OTEL_EXPORTER_OTLP_PROTOCOL``:
``http/protobuf`` by default, or ``grpc``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    InMemoryLogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_llm.sdk_setup import (
    ConfiguredSDK,
    batch_span_processor,
    exporters,  # the same OTLP exporters as otel_llm.instrument() sets up
)
from otel_llm.stack import jaeger_trace_url, stack_endpoints

if TYPE_CHECKING:
    from rich.console import Console

OTLP_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
DEFAULT_SERVICE_NAME = "otel-llm-demo"
DEFAULT_CHUNK_DELAY = 0.02
REPORT_WIDTH = 100
COLD_START_NOTE = (
    "The first call of each SDK method includes the openai SDK's one-off lazy imports and model set-up."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run a sample app against a fake OpenAI server and show what was recorded",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--capture-content",
        action="store_true",
        help="record message content on spans and events (capture mode SPAN_AND_EVENT)",
    )
    parser.add_argument(
        "--chunk-delay",
        type=_non_negative,
        default=DEFAULT_CHUNK_DELAY,
        metavar="SECONDS",
        help=f"pause between streamed chunks of the fake server (default {DEFAULT_CHUNK_DELAY})",
    )
    parser.set_defaults(func=handler)


def _non_negative(raw: str) -> float:
    value = float(raw)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


class TallyingSpanExporter(SpanExporter):
    """Forwards to an exporter and counts the spans it accepted and rejected."""

    def __init__(self, exporter: SpanExporter) -> None:
        self.exporter = exporter
        self.exported = 0
        self.failed = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        result = self.exporter.export(spans)
        if result is SpanExportResult.SUCCESS:
            self.exported += len(spans)
        else:
            self.failed += len(spans)
        return result

    def shutdown(self) -> None:
        self.exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.exporter.force_flush(timeout_millis)


@dataclass
class DemoTelemetry:
    """The demo's own SDK providers: in memory for the report, plus OTLP when an endpoint is set."""

    spans: InMemorySpanExporter
    metric_reader: InMemoryMetricReader
    logs: InMemoryLogRecordExporter
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    logger_provider: LoggerProvider
    otlp_spans: list[TallyingSpanExporter] = field(default_factory=list)

    @classmethod
    def create(cls, otlp: bool) -> DemoTelemetry:
        resource = Resource.create()
        if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
            resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
        spans = InMemorySpanExporter()
        tracer_provider = TracerProvider(resource=resource)
        tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
        otlp_spans = [TallyingSpanExporter(e) for e in exporters("traces")] if otlp else []
        for exporter in otlp_spans:
            tracer_provider.add_span_processor(batch_span_processor(exporter))
        metric_reader = InMemoryMetricReader()
        readers = [PeriodicExportingMetricReader(e) for e in exporters("metrics")] if otlp else []
        meter_provider = MeterProvider(resource=resource, metric_readers=[metric_reader, *readers])
        logs = InMemoryLogRecordExporter()
        logger_provider = LoggerProvider(resource=resource)
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
        for exporter in exporters("logs") if otlp else []:
            logger_provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
        return cls(spans, metric_reader, logs, tracer_provider, meter_provider, logger_provider, otlp_spans)

    def install_globally(self) -> None:
        trace.set_tracer_provider(self.tracer_provider)
        metrics.set_meter_provider(self.meter_provider)
        _logs.set_logger_provider(self.logger_provider)

    @property
    def owned(self) -> ConfiguredSDK:
        """The three providers, to flush and shut down."""
        return ConfiguredSDK([self.tracer_provider, self.meter_provider, self.logger_provider])


def handler(args: argparse.Namespace) -> int:
    import otel_llm
    from otel_llm.demo.report import render_events, render_summary, render_trace, summarize_metrics

    console = _console()
    endpoint = os.environ.get(OTLP_ENDPOINT_ENV)
    telemetry = DemoTelemetry.create(otlp=bool(endpoint))
    telemetry.install_globally()
    handle = otel_llm.instrument(
        configure_sdk=False,
        tracer_provider=telemetry.tracer_provider,
        meter_provider=telemetry.meter_provider,
        logger_provider=telemetry.logger_provider,
        capture_mode="SPAN_AND_EVENT" if args.capture_content else None,
    )
    try:
        capture_on_span = handle.telemetry.settings.capture_mode.on_span
        trace_id = _run_app(console, telemetry, args.chunk_delay, capture_on_span)
        console.print(render_trace(telemetry.spans.get_finished_spans()))
        console.print(COLD_START_NOTE, style="dim")
        console.print(render_summary(summarize_metrics(telemetry.metric_reader.get_metrics_data())))
        console.print(render_events(data.log_record for data in telemetry.logs.get_finished_logs()))
        if not endpoint:
            console.print(f"trace id {trace_id:032x}; set {OTLP_ENDPOINT_ENV} to export it as well")
            return 0
        telemetry.owned.flush()
        return _report_export(console, endpoint, trace_id, telemetry.otlp_spans)
    finally:
        handle.shutdown()
        telemetry.owned.shutdown()


def _console() -> Console:
    """A terminal console; 100 columns wide when the output is not a terminal and COLUMNS is unset."""
    from rich.console import Console

    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(width=REPORT_WIDTH) if piped else Console()


def _run_app(console: Console, telemetry: DemoTelemetry, chunk_delay: float, capture_on_span: bool) -> int:
    """Run the sample app against the fake server; return its trace id."""
    import openai
    from otel_llm.demo.app import answer, run_session
    from otel_llm.demo.fake_server import FakeOpenAIServer

    with FakeOpenAIServer(answer, chunk_delay=chunk_delay) as server:
        console.print(f"[bold]otel-llm demo[/]: fake OpenAI server at {server.base_url} (no key, no network)")
        client = openai.OpenAI(base_url=server.base_url, api_key="demo-key-not-used", max_retries=0)
        tracer = telemetry.tracer_provider.get_tracer("otel_llm.demo")
        return run_session(client, tracer, capture_on_span).trace_id


def _report_export(
    console: Console, endpoint: str, trace_id: int, exporters: Sequence[TallyingSpanExporter]
) -> int:
    """Say where the telemetry went (exit code 1 when the OTLP endpoint did not accept the spans)."""
    if not exporters:
        console.print(f"no trace exporter (OTEL_TRACES_EXPORTER={os.environ.get('OTEL_TRACES_EXPORTER')})")
        return 0
    exported = sum(e.exported for e in exporters)
    failed = sum(e.failed for e in exporters)
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    if failed or not exported:
        failure = f"OTLP export to {endpoint} ({protocol}) failed"
        console.print(f"[bold red]{failure}[/]: {failed} spans not delivered")
        return 1
    console.print(f"exported {exported} spans, the metrics and the events to {endpoint} ({protocol})")
    console.print(f"trace id {trace_id:032x}")
    url = stack_trace_url(endpoint, trace_id)
    if url:
        console.print(f"Jaeger: {url}")
        # a Jaeger built without UI assets shows a placeholder at the link above; its API always works
        console.print(f"Jaeger API: {jaeger_trace_url(trace_id, api=True)}")
    return 0


def stack_trace_url(endpoint: str, trace_id: int) -> str | None:
    """The Jaeger link of the trace when the endpoint is the local ``otel-llm stack`` collector."""
    stack = stack_endpoints()
    ports = {urlsplit(stack.otlp_grpc).port, urlsplit(stack.otlp_http).port}
    return jaeger_trace_url(trace_id) if urlsplit(endpoint).port in ports else None
