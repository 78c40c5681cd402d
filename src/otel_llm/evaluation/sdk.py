"""OTel SDK providers for the ``otel-llm eval`` commands when the process has none yet.

Under ``opentelemetry-instrument`` (or an app that set up the SDK) the existing providers are used.
Otherwise SDK providers are installed so the runner can see spans; they export over OTLP only when
an ``OTEL_EXPORTER_OTLP_*ENDPOINT`` variable is set (protocol from ``OTEL_EXPORTER_OTLP_PROTOCOL``).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def _endpoint_set(signal: str) -> bool:
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")
    )


_EXPORTERS = {
    "TRACES": ("trace_exporter", "OTLPSpanExporter"),
    "LOGS": ("_log_exporter", "OTLPLogExporter"),
    "METRICS": ("metric_exporter", "OTLPMetricExporter"),
}


def _exporter(signal: str) -> Any:
    """The OTLP exporter of ``signal`` for the configured protocol (gRPC unless it says http)."""
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc").strip().lower()
    module, name = _EXPORTERS[signal]
    package = "grpc" if protocol == "grpc" else "http"
    return getattr(importlib.import_module(f"opentelemetry.exporter.otlp.proto.{package}.{module}"), name)()


def ensure_sdk() -> Callable[[], None]:
    """Install SDK providers where the global ones are still the API's; return a flush-and-shutdown."""
    created: list[TracerProvider | LoggerProvider | MeterProvider] = []
    if not hasattr(trace.get_tracer_provider(), "add_span_processor"):
        tracer_provider = TracerProvider()
        if _endpoint_set("TRACES"):
            tracer_provider.add_span_processor(BatchSpanProcessor(_exporter("TRACES")))
        trace.set_tracer_provider(tracer_provider)
        created.append(tracer_provider)
    if not hasattr(_logs.get_logger_provider(), "add_log_record_processor"):
        logger_provider = LoggerProvider()
        if _endpoint_set("LOGS"):
            logger_provider.add_log_record_processor(BatchLogRecordProcessor(_exporter("LOGS")))
        _logs.set_logger_provider(logger_provider)
        created.append(logger_provider)
    if not isinstance(metrics.get_meter_provider(), MeterProvider):
        readers = [PeriodicExportingMetricReader(_exporter("METRICS"))] if _endpoint_set("METRICS") else []
        meter_provider = MeterProvider(metric_readers=readers)
        metrics.set_meter_provider(meter_provider)
        created.append(meter_provider)

    def shutdown() -> None:
        for provider in created:
            provider.shutdown()

    return shutdown
