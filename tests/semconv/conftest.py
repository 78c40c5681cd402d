"""A private OTel SDK pipeline (not the global providers) for feeding the conformance checker."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_llm.testing.conformance import ConformanceChecker, Violation


@dataclass
class Pipeline:
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    logger_provider: LoggerProvider
    spans: InMemorySpanExporter
    logs: InMemoryLogRecordExporter
    metric_reader: InMemoryMetricReader

    @property
    def tracer(self):
        return self.tracer_provider.get_tracer("test")

    @property
    def meter(self):
        return self.meter_provider.get_meter("test")

    @property
    def logger(self):
        return self.logger_provider.get_logger("test")

    def violations(self) -> list[Violation]:
        return ConformanceChecker().check(
            self.spans.get_finished_spans(),
            [data.log_record for data in self.logs.get_finished_logs()],
            [self.metric_reader.get_metrics_data()],
        )


@pytest.fixture
def pipeline() -> Pipeline:
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    metric_reader = InMemoryMetricReader()
    logs = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    return Pipeline(
        tracer_provider,
        MeterProvider(metric_readers=[metric_reader]),
        logger_provider,
        spans,
        logs,
        metric_reader,
    )
