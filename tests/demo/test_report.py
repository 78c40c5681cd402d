"""The report's pieces: histogram percentiles, formatting, the trace tree and the summary table."""

from __future__ import annotations

import re

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context
from rich.console import Console

from otel_llm.demo.report import (
    Buckets,
    format_seconds,
    format_usd,
    render_events,
    render_summary,
    render_trace,
    summarize_metrics,
)
from otel_llm.semconv.metrics import GEN_AI_CLIENT_OPERATION_DURATION_BUCKETS as DURATION_BUCKETS

MS = 1_000_000  # nanoseconds


def duration_points(*values: float, bounds: tuple[float, ...] = DURATION_BUCKETS):
    """Record values into a real SDK histogram with the given boundaries; return its data points."""
    reader = InMemoryMetricReader()
    meter = MeterProvider(metric_readers=[reader]).get_meter("tests.demo")
    histogram = meter.create_histogram(
        "gen_ai.client.operation.duration", explicit_bucket_boundaries_advisory=bounds
    )
    for value in values:
        histogram.record(value, {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m"})
    data = reader.get_metrics_data()
    return data, data.resource_metrics[0].scope_metrics[0].metrics[0].data.data_points


def text_of(renderable, width: int = 100) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


def test_quantiles_interpolate_within_the_bucket_clamped_to_min_and_max():
    # buckets (0.01, 0.02]: 1, (0.02, 0.04]: 2, (0.04, 0.08]: 1
    _, (point,) = duration_points(0.015, 0.025, 0.03, 0.05)
    buckets = Buckets.of(point)
    assert buckets.quantile(0.5) == pytest.approx(0.02 + 0.02 * (2 - 1) / 2)
    assert buckets.quantile(0.95) == pytest.approx(0.04 + (0.05 - 0.04) * (3.8 - 3) / 1)
    assert buckets.quantile(0.0) == pytest.approx(0.015)  # the first non-empty bucket, from the minimum


def test_one_value_is_its_own_percentile():
    _, (point,) = duration_points(0.0312)
    assert Buckets.of(point).quantile(0.5) == pytest.approx(0.0312)
    assert Buckets.of(point).quantile(0.95) == pytest.approx(0.0312)


def test_values_past_the_last_boundary_use_the_maximum():
    _, (point,) = duration_points(100.0, 120.0)
    assert Buckets.of(point).quantile(0.5) == pytest.approx(110.0)


def test_merging_histograms():
    _, (first,) = duration_points(0.015)
    _, (second,) = duration_points(0.05)
    buckets = Buckets.of(first)
    buckets.merge(second)
    assert (sum(buckets.counts), buckets.minimum, buckets.maximum) == (2, 0.015, 0.05)
    _, (other_bounds,) = duration_points(0.05, bounds=(0.1, 1.0))
    with pytest.raises(ValueError, match="different bucket boundaries"):
        buckets.merge(other_bounds)


def test_rows_come_from_recorded_calls_only():
    data, _ = duration_points(0.02)
    assert [(s.operation, s.model, s.calls) for s in summarize_metrics(data)] == [("chat", "m", 1)]
    reader = InMemoryMetricReader()
    meter = MeterProvider(metric_readers=[reader]).get_meter("x")
    meter.create_counter("other").add(1)
    meter.create_counter("otel_llm.client.operation.cost").add(
        0.5, {"gen_ai.operation.name": "chat", "gen_ai.request.model": "earlier-call"}
    )
    assert summarize_metrics(reader.get_metrics_data()) == []
    assert summarize_metrics(None) == []


def test_formatting():
    assert format_usd(2.595e-05) == "0.00002595"
    assert format_usd(1e-07) == "0.0000001"
    assert format_usd(0.0) == "0"
    assert format_usd(None) == "-"
    assert format_seconds(0.0512) == "51.2 ms"
    assert format_seconds(12.3) == "12.30 s"
    assert format_seconds(None) == "-"


def test_trace_tree():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests.demo")
    root = tracer.start_span("demo.session", start_time=0)

    def client_span(name: str, start_ms: int, end_ms: int, attributes: dict, error: str = "") -> None:
        parent = set_span_in_context(root)
        span = tracer.start_span(name, parent, SpanKind.CLIENT, attributes, start_time=start_ms * MS)
        if error:
            span.set_status(Status(StatusCode.ERROR, error))
        span.end(end_time=end_ms * MS)

    client_span("chat gpt-4o-mini", 1, 551, {
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.usage.input_tokens": 40,
        "gen_ai.usage.output_tokens": 34,
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.response.time_to_first_chunk": 0.0421,
        "otel_llm.usage.cost_usd": 2.64e-05,
    })
    attributes = {"gen_ai.provider.name": "openai", "error.type": "NotFoundError"}
    client_span("chat gpt-unavailable", 600, 612, attributes, error="model not found")
    root.end(end_time=700 * MS)

    assert text_of(render_trace(exporter.get_finished_spans())) == "\n".join([
        "trace",
        "└── demo.session  INTERNAL  700.0 ms",
        "    ├── chat gpt-4o-mini  CLIENT  550.0 ms  stream, time to first chunk 42.1 ms",
        "    │   openai gpt-4o-mini-2024-07-18 · 40 in / 34 out tokens · finish stop · $0.0000264",
        "    └── chat gpt-unavailable  CLIENT  12.0 ms",
        "        openai · error.type NotFoundError",
    ])


def test_summary_table_rows():
    data, _ = duration_points(0.02, 0.04)
    text = text_of(render_summary(summarize_metrics(data)))
    assert re.search(r"^chat\s+m\s+2\s+0\s+0\s+0\s+20\s+38\s+-\s+-$", text, re.MULTILINE), text
    assert re.search(r"^total\s+2\s+0\s+0\s+0\s+-$", text, re.MULTILINE), text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_events_line():
    class Record:
        def __init__(self, name):
            self.event_name = name

    names = ["b.event", "a.event", "b.event"]
    assert str(render_events(Record(n) for n in names)) == "events: a.event x1, b.event x2"
    assert str(render_events([])) == "events: none"
