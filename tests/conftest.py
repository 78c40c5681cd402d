"""Shared test fixtures: one set of global OTel providers with in-memory exporters.

The providers are installed once per session (the OTel API allows one global provider of each kind);
the ``otel`` fixture clears what they captured before each test and hands it to the test.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import pytest
from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

pytest.register_assert_rewrite("tests.semconv_modes", "tests.recorded_genai")
pytest_plugins = ["otel_llm.testing.pytest_plugin", "otel_llm.testing.coverage"]

# Content modes whose tests run in the default semconv mode only (tests/semconv_modes.py): in the latest and
# duplicate modes a test parametrised by content mode runs with EVENT_ONLY, which checks span, event and
# metric names alike.
_DEFAULT_SEMCONV_ONLY = ("NO_CONTENT", "SPAN_ONLY")

# The framework suites need the frameworks' OpenAI integrations (extra `frameworks-test`), which pin
# openai below 3: tests/run runs them in their own virtualenv, and a venv without them leaves them out.
def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


collect_ignore = [
    suite
    for suite, module in (("langchain", "langchain_openai"), ("llamaindex", "llama_index.llms.openai"))
    if not _installed(module)
]


@pytest.hookimpl(trylast=True)  # after the test's own parametrize marks: its ids end with the mode
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``ALL_SEMCONV_MODES`` (they use the ``semconv`` fixture) run once per semconv mode."""
    if "semconv" in metafunc.fixturenames:
        from tests.semconv_modes import OPT_IN_VALUES

        metafunc.parametrize("semconv", list(OPT_IN_VALUES.values()), ids=list(OPT_IN_VALUES), indirect=True)


@pytest.hookimpl(tryfirst=True)  # before the coverage plugin lists the items
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the latest and duplicate runs of the content modes that only run in the default mode."""
    kept, left_out = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        other_mode = params.get("semconv") not in (None, "")
        content_mode = next((v for v in params.values() if v in _DEFAULT_SEMCONV_ONLY), None)
        (left_out if other_mode and content_mode else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture
def semconv(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``OTEL_SEMCONV_STABILITY_OPT_IN`` for this test (parametrised: ``default``, ``latest``, ``dup``); the
    instrumentation reads it when the test instruments, the conformance plugin when the test ends."""
    from otel_llm.config import SEMCONV_OPT_IN_ENV

    monkeypatch.setenv(SEMCONV_OPT_IN_ENV, request.param)
    return request.param


@dataclass
class Captured:
    """Telemetry captured by the global providers during one test."""

    span_exporter: InMemorySpanExporter
    metric_reader: InMemoryMetricReader
    log_exporter: InMemoryLogRecordExporter
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    logger_provider: LoggerProvider

    def spans(self):
        return list(self.span_exporter.get_finished_spans())

    def logs(self):
        return [data.log_record for data in self.log_exporter.get_finished_logs()]

    def metric_points(self) -> dict[str, list]:
        """Metric name -> data points recorded since the test started (delta temporality)."""
        data = self.metric_reader.get_metrics_data()
        points: dict[str, list] = {}
        if data is None:
            return points
        for resource_metrics in data.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    points.setdefault(metric.name, []).extend(metric.data.data_points)
        return points

    def reset(self) -> None:
        self.span_exporter.clear()
        self.log_exporter.clear()
        self.metric_reader.get_metrics_data()  # drain: delta temporality starts afresh


@pytest.fixture(scope="session")
def _global_providers() -> Captured:
    from opentelemetry.sdk.metrics import Counter, Histogram, ObservableCounter, UpDownCounter

    span_exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    trace.set_tracer_provider(tracer_provider)

    metric_reader = InMemoryMetricReader(
        preferred_temporality={
            Counter: AggregationTemporality.DELTA,
            Histogram: AggregationTemporality.DELTA,
            ObservableCounter: AggregationTemporality.DELTA,
            UpDownCounter: AggregationTemporality.CUMULATIVE,
        }
    )
    # The conformance plugin reads everything each test emits through its own recorder.
    from otel_llm.testing.pytest_plugin import RECORDER

    meter_provider = MeterProvider(metric_readers=[metric_reader, RECORDER.metric_reader])
    metrics.set_meter_provider(meter_provider)

    log_exporter = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    _logs.set_logger_provider(logger_provider)
    RECORDER.attach(tracer_provider, logger_provider)
    return Captured(
        span_exporter, metric_reader, log_exporter, tracer_provider, meter_provider, logger_provider
    )


@pytest.fixture
def otel(_global_providers: Captured) -> Captured:
    """Telemetry captured during this test: ``otel.spans()``, ``otel.metric_points()``, ``otel.logs()``."""
    _global_providers.reset()
    return _global_providers
