"""While the collector refuses connections, the SDK setup's OTLP exporters do not encode batches (issue 18:
the encoding holds the GIL against the app's threads), yet a batch survives a restart within the timeout.

Real OTLP/HTTP exporters, a real OTLP/HTTP sink on a loopback port, real spans.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GRPCSpanExporter
from opentelemetry.exporter.otlp.proto.http import trace_exporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SpanExportResult

from otel_llm import sdk_setup
from otel_llm.sdk_setup import export_gate
from otel_llm.sdk_setup.export_gate import ReachabilityGate, collector_address


class _Sink(BaseHTTPRequestHandler):
    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(port: int) -> ThreadingHTTPServer:
    _Sink.received = []
    server = ThreadingHTTPServer(("127.0.0.1", port), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def spans() -> list[ReadableSpan]:
    provider = TracerProvider()
    made = []
    for name in ("chat gpt-4o-mini", "execute_tool get_weather"):
        span = provider.get_tracer("test").start_span(name)
        span.end()
        made.append(span)
    return made  # type: ignore[return-value]


@pytest.fixture
def encodings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many batches the real OTLP/HTTP span exporter encoded."""
    counted: list[int] = []
    encode = trace_exporter.encode_spans

    def counting(batch):  # type: ignore[no-untyped-def]
        counted.append(len(batch))
        return encode(batch)

    monkeypatch.setattr(trace_exporter, "encode_spans", counting)
    yield counted


def _gate(port: int, timeout: float) -> ReachabilityGate:
    exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces", timeout=timeout)
    return ReachabilityGate(exporter, ("127.0.0.1", port), SpanExportResult.FAILURE, timeout)


def test_a_refusing_collector_gets_no_encoded_batch(spans, encodings) -> None:
    gate = _gate(_free_port(), timeout=0.5)
    started = time.monotonic()
    assert gate.export(spans) is SpanExportResult.FAILURE
    assert gate.export(spans) is SpanExportResult.FAILURE
    assert encodings == []
    assert time.monotonic() - started < 1.5  # within the timeout each (the first backoff, ~1 s, exceeds it)


def test_a_batch_waits_for_a_collector_that_comes_back_within_the_timeout(spans, encodings) -> None:
    port = _free_port()
    gate = _gate(port, timeout=6.0)
    servers: list[ThreadingHTTPServer] = []
    threading.Timer(1.5, lambda: servers.append(_serve(port))).start()
    try:
        assert gate.export(spans) is SpanExportResult.SUCCESS
    finally:
        time.sleep(0.1)
        for server in servers:
            server.shutdown()
            server.server_close()
    assert encodings == [2]
    request = ExportTraceServiceRequest.FromString(_Sink.received[0])
    names = [span.name for span in request.resource_spans[0].scope_spans[0].spans]
    assert names == ["chat gpt-4o-mini", "execute_tool get_weather"]


def test_a_reachable_collector_is_not_probed_again_after_a_success(spans, monkeypatch) -> None:
    port = _free_port()
    server = _serve(port)
    try:
        gate = _gate(port, timeout=2.0)
        assert gate.export(spans) is SpanExportResult.SUCCESS
        probes: list[object] = []
        connect = socket.create_connection
        monkeypatch.setattr(socket, "create_connection", lambda *a, **k: probes.append(a) or connect(*a, **k))
        assert gate.export(spans) is SpanExportResult.SUCCESS
        assert probes == []
        assert len(_Sink.received) == 2
    finally:
        server.shutdown()
        server.server_close()


def test_shutdown_drops_the_waiting_batch_at_once(spans, encodings) -> None:
    gate = _gate(_free_port(), timeout=30.0)
    results: list[SpanExportResult] = []
    waiting = threading.Thread(target=lambda: results.append(gate.export(spans)))
    waiting.start()
    time.sleep(0.3)
    started = time.monotonic()
    gate.shutdown()
    waiting.join(5)
    assert not waiting.is_alive()
    assert time.monotonic() - started < 1.0
    assert results == [SpanExportResult.FAILURE]
    assert encodings == []


@pytest.mark.parametrize(
    ("endpoint", "address"),
    [
        ("http://collector:4318/v1/traces", ("collector", 4318)),
        ("https://otel.example.com/v1/logs", ("otel.example.com", 443)),
        ("http://otel.example.com/v1/logs", ("otel.example.com", 80)),
        ("localhost:4317", ("localhost", 4317)),  # gRPC's form
        ("unix:///run/otel.sock", None),
        ("http://collector:notaport/v1/traces", None),
    ],
)
def test_collector_address(endpoint, address, monkeypatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "grpc_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert collector_address(endpoint) == address


def test_behind_a_proxy_the_exporter_is_not_gated(monkeypatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "localhost")
    assert collector_address("https://otel.example.com/v1/traces") is None
    assert collector_address("http://localhost:4318/v1/traces") == ("localhost", 4318)


def test_the_sdk_setup_gates_its_otlp_exporters(monkeypatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "3")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "grpc_proxy"):
        monkeypatch.delenv(name, raising=False)
    (spans,) = sdk_setup.exporters("traces")
    (metrics,) = sdk_setup.exporters("metrics")
    assert isinstance(spans, ReachabilityGate) and isinstance(spans, OTLPSpanExporter)
    assert spans._self_address == ("127.0.0.1", 4318) and spans._self_timeout == 3.0
    # the periodic reader reads the wrapped exporter's preferences through the gate
    assert isinstance(metrics, OTLPMetricExporter)
    assert metrics._preferred_temporality == metrics.__wrapped__._preferred_temporality
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
    (grpc_spans,) = sdk_setup.exporters("traces")
    assert isinstance(grpc_spans, GRPCSpanExporter)
    assert grpc_spans._self_address == ("127.0.0.1", 4317)


def test_an_outage_is_logged_once_and_its_end_too(spans, caplog, monkeypatch) -> None:
    monkeypatch.setattr(export_gate, "PROBE_INTERVAL", 0.2)
    port = _free_port()
    gate = _gate(port, timeout=0.2)
    with caplog.at_level("DEBUG", logger="otel_llm.sdk_setup.export_gate"):
        for _ in range(3):
            assert gate.export(spans) is SpanExportResult.FAILURE
        server = _serve(port)
        try:
            time.sleep(0.25)
            assert gate.export(spans) is SpanExportResult.SUCCESS
        finally:
            server.shutdown()
            server.server_close()
    assert [r.getMessage() for r in caplog.records] == [
        f"otel-llm: the collector at 127.0.0.1:{port} accepts no connection; batches are dropped, without "
        "being encoded, until it does",
        f"otel-llm: the collector at 127.0.0.1:{port} accepts exports again",
    ]
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING"]


def test_a_long_outage_drops_batches_at_once_probing_once_an_interval(spans, encodings, monkeypatch) -> None:
    """Past a whole timeout without a connection, a batch is dropped as it comes (the queues do not stay
    full), with one connection attempt per interval; the first batch after the collector is back goes."""
    monkeypatch.setattr(export_gate, "PROBE_INTERVAL", 0.5)
    port = _free_port()
    gate = _gate(port, timeout=0.3)
    assert gate.export(spans) is SpanExportResult.FAILURE  # waited within the timeout
    probes: list[object] = []
    connect = socket.create_connection
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: probes.append(a) or connect(*a, **k))
    started = time.monotonic()
    for _ in range(20):
        assert gate.export(spans) is SpanExportResult.FAILURE
    assert time.monotonic() - started < 0.2 and probes == []
    server = _serve(port)
    try:
        time.sleep(0.55)
        assert gate.export(spans) is SpanExportResult.SUCCESS
        assert len(probes) == 1 and encodings == [2] and len(_Sink.received) == 1
        assert gate.export(spans) is SpanExportResult.SUCCESS  # reachable again: no probe
        assert len(probes) == 1
    finally:
        server.shutdown()
        server.server_close()


class _Recorder:
    def __init__(self) -> None:
        self.ended: list[str] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.ended.append(span.name)

    def on_emit(self, record: object) -> None:
        self.ended.append("record")


def test_while_batches_are_dropped_only_one_item_an_interval_is_queued(spans, monkeypatch) -> None:
    """The processor lets what would be dropped go where it ends (the app's thread frees it at once) and
    queues one item per interval, whose export probes the collector; once it is back, all is queued."""
    monkeypatch.setattr(export_gate, "PROBE_INTERVAL", 0.4)
    port = _free_port()
    gate = _gate(port, timeout=0.2)
    recorder = _Recorder()
    processor = export_gate.QueueWhileReachable(recorder, gate)
    processor.on_end(spans[0])  # reachability unknown: queued
    assert gate.export(spans) is SpanExportResult.FAILURE and gate.dropping
    for _ in range(50):
        processor.on_end(spans[1])
        processor.on_emit(object())
    assert recorder.ended == ["chat gpt-4o-mini", "execute_tool get_weather"]
    time.sleep(0.45)
    processor.on_emit(object())
    processor.on_end(spans[1])
    assert recorder.ended[2:] == ["record"]
    server = _serve(port)
    try:
        time.sleep(0.45)
        assert gate.export(spans) is SpanExportResult.SUCCESS and not gate.dropping
    finally:
        server.shutdown()
        server.server_close()
    for _ in range(3):
        processor.on_end(spans[1])
    assert recorder.ended[3:] == ["execute_tool get_weather"] * 3


def test_the_sdk_setup_queues_gated_batches_while_reachable(monkeypatch) -> None:
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, InMemoryLogRecordExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    gated = _gate(_free_port(), timeout=0.2)
    processor = sdk_setup.batch_span_processor(gated)
    assert isinstance(processor, export_gate.QueueWhileReachable)
    assert isinstance(processor, BatchSpanProcessor) and processor.__wrapped__.span_exporter is gated
    processor.shutdown()
    bare = sdk_setup.batch_span_processor(InMemorySpanExporter())
    assert type(bare) is BatchSpanProcessor
    bare.shutdown()
    logs = sdk_setup.batch_log_record_processor(gated)
    assert isinstance(logs, export_gate.QueueWhileReachable) and isinstance(logs, BatchLogRecordProcessor)
    logs.shutdown()
    bare_logs = sdk_setup.batch_log_record_processor(InMemoryLogRecordExporter())
    assert type(bare_logs) is BatchLogRecordProcessor
    bare_logs.shutdown()


def test_after_a_long_outage_the_batch_processor_delivers_again(
    monkeypatch,
) -> None:
    """A real batch processor over the gate: during the outage almost nothing is queued (what is, is not
    encoded); once the collector is back, its probe export succeeds and spans are delivered again."""
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    monkeypatch.setattr(export_gate, "PROBE_INTERVAL", 0.2)
    port = _free_port()
    gate = _gate(port, timeout=0.2)
    batches = BatchSpanProcessor(gate, schedule_delay_millis=100)
    provider = TracerProvider()
    provider.add_span_processor(export_gate.queue_while_reachable(batches, gate))
    tracer = provider.get_tracer("test")

    def end_spans(name: str, seconds: float) -> int:
        count, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            tracer.start_span(f"{name} {count}").end()
            count += 1
            time.sleep(0.001)
        return count

    during = end_spans("during", 1.5)
    assert gate.dropping
    server = _serve(port)
    try:
        after = end_spans("after", 1.5)
        assert provider.force_flush(5000)
    finally:
        provider.shutdown()
        server.shutdown()
        server.server_close()
    names = [
        span.name
        for body in _Sink.received
        for resource in ExportTraceServiceRequest.FromString(body).resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert during > 100 and after > 100
    assert sum(name.startswith("during") for name in names) <= 3  # probes queued as the collector came back
    delivered = sorted(int(name.split()[1]) for name in names if name.startswith("after"))
    probes, resumed = delivered[:1], delivered[1:]  # the probe, queued before its export succeeded
    assert resumed == list(range(resumed[0], after))  # once the probe's export succeeded, nothing is lost
    assert probes[0] < resumed[0] < after / 2  # and delivery resumed within half the time
