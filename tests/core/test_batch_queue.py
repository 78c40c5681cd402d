"""The batch span processor otel-llm sets up holds 8,192 spans while its exports wait (issue 18, pipeline
load): a collector restart at 2,500 spans/s fills the SDK's 2,048. ``OTEL_BSP_*`` still size it."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from otel_llm.sdk_setup import DEFAULT_QUEUE_SPANS, batch_span_processor

BATCH = 512  # the SDK's default export batch: taken off the queue by the first, blocked export


class BlockedExporter(SpanExporter):
    """Holds every export until released, as an exporter in retry backoff does."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.exported = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.released.wait(30)
        self.exported += len(spans)
        return SpanExportResult.SUCCESS


def spans_kept(ended: int) -> int:
    exporter = BlockedExporter()
    provider = TracerProvider()
    provider.add_span_processor(batch_span_processor(exporter))
    tracer = provider.get_tracer("app")
    for _ in range(ended):
        tracer.start_span("chat").end()
    exporter.released.set()
    provider.force_flush(30_000)
    provider.shutdown()
    return exporter.exported


def test_default_queue_holds_8192_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_BSP_MAX_QUEUE_SIZE", raising=False)
    monkeypatch.delenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", raising=False)
    assert DEFAULT_QUEUE_SPANS == 8192
    assert DEFAULT_QUEUE_SPANS <= spans_kept(12_000) <= DEFAULT_QUEUE_SPANS + BATCH


def test_environment_sizes_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_BSP_MAX_QUEUE_SIZE", "1000")
    assert 1000 <= spans_kept(5_000) <= 1000 + BATCH


def test_a_larger_batch_from_the_environment_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_BSP_MAX_QUEUE_SIZE", raising=False)
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1024")  # the SDK's queue default, 2,048, holds it
    assert 2048 <= spans_kept(5_000) <= 2048 + 1024
