"""Keep a copy of the telemetry a test produces, independently of what the test itself reads."""

from __future__ import annotations

from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import Counter, Histogram, ObservableCounter, UpDownCounter
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader, MetricsData
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_DELTA: dict[type, AggregationTemporality] = {
    Counter: AggregationTemporality.DELTA,
    Histogram: AggregationTemporality.DELTA,
    ObservableCounter: AggregationTemporality.DELTA,
    UpDownCounter: AggregationTemporality.CUMULATIVE,
}


class TelemetryRecorder:
    """A span processor, log processor and metric reader of its own on the test's providers.

    ``metric_reader`` must be passed to the ``MeterProvider`` when it is created (readers cannot be
    added later); ``attach`` adds the span and log processors.
    """

    def __init__(self) -> None:
        self._spans = InMemorySpanExporter()
        self._logs = InMemoryLogRecordExporter()
        self.metric_reader = InMemoryMetricReader(preferred_temporality=_DELTA)
        self.attached = False

    def attach(self, tracer_provider: TracerProvider, logger_provider: LoggerProvider) -> None:
        tracer_provider.add_span_processor(SimpleSpanProcessor(self._spans))
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(self._logs))
        self.attached = True

    def clear(self) -> None:
        """Forget everything recorded so far (metrics: start a new delta interval)."""
        self._spans.clear()
        self._logs.clear()
        self.metric_reader.get_metrics_data()

    def spans(self) -> list[ReadableSpan]:
        return list(self._spans.get_finished_spans())

    def logs(self) -> list:
        return [data.log_record for data in self._logs.get_finished_logs()]

    def metrics(self) -> MetricsData | None:
        """Metrics recorded since the last ``clear`` or ``metrics`` call."""
        return self.metric_reader.get_metrics_data()
