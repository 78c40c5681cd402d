"""Configure the OTel SDK from the standard ``OTEL_*`` variables when the app has not done so."""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, ConsoleLogRecordExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

logger = logging.getLogger(__name__)


_OTLP_CLASSES = {
    "traces": ("trace_exporter", "OTLPSpanExporter"),
    "metrics": ("metric_exporter", "OTLPMetricExporter"),
    "logs": ("_log_exporter", "OTLPLogExporter"),
}


def _otlp(signal: str, protocol: str) -> Any:
    """The OTLP exporter for a signal; endpoints, headers and TLS come from the OTEL_EXPORTER_OTLP_* vars."""
    transport = "grpc" if protocol == "grpc" else "http"
    module_name, class_name = _OTLP_CLASSES[signal]
    module = importlib.import_module(f"opentelemetry.exporter.otlp.proto.{transport}.{module_name}")
    return getattr(module, class_name)()


_CONSOLE = {"traces": ConsoleSpanExporter, "metrics": ConsoleMetricExporter, "logs": ConsoleLogRecordExporter}


def exporters(signal: str) -> list[Any]:
    chosen = os.environ.get(f"OTEL_{signal.upper()}_EXPORTER", "otlp")
    protocol = os.environ.get(
        f"OTEL_EXPORTER_OTLP_{signal.upper()}_PROTOCOL",
        os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
    )
    exporters = []
    for name in (part.strip() for part in chosen.split(",")):
        if name == "otlp":
            exporters.append(_otlp(signal, protocol))
        elif name == "console":
            exporters.append(_CONSOLE[signal]())
        elif name and name != "none":
            logger.warning(
                "OTEL_%s_EXPORTER=%s is not supported by otel-llm's setup; ignored", signal.upper(), name
            )
    return exporters


@dataclass
class ConfiguredSDK:
    """The providers this module created (and so owns): flushed and shut down by the handle."""

    providers: list[Any] = field(default_factory=list)

    def flush(self) -> None:
        for provider in self.providers:
            provider.force_flush()

    def shutdown(self) -> None:
        for provider in self.providers:
            provider.shutdown()


def _is_configured(provider: Any, proxy_name: str) -> bool:
    return type(provider).__name__ not in (proxy_name, f"NoOp{proxy_name.removeprefix('Proxy')}")


def configure_sdk_from_env() -> ConfiguredSDK:
    """Install SDK providers for each signal whose global provider is still the API default."""
    configured = ConfiguredSDK()
    resource = Resource.create()  # reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
    if not _is_configured(trace.get_tracer_provider(), "ProxyTracerProvider"):
        tracer_provider = TracerProvider(resource=resource)
        for exporter in exporters("traces"):
            tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(tracer_provider)
        configured.providers.append(tracer_provider)
    if not _is_configured(metrics.get_meter_provider(), "_ProxyMeterProvider"):
        readers = [PeriodicExportingMetricReader(exporter) for exporter in exporters("metrics")]
        meter_provider = MeterProvider(resource=resource, metric_readers=readers)
        metrics.set_meter_provider(meter_provider)
        configured.providers.append(meter_provider)
    if not _is_configured(_logs.get_logger_provider(), "ProxyLoggerProvider"):
        logger_provider = LoggerProvider(resource=resource)
        for exporter in exporters("logs"):
            logger_provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
        _logs.set_logger_provider(logger_provider)
        configured.providers.append(logger_provider)
    return configured


class Configurator:
    """``opentelemetry_configurator`` entry point: ``opentelemetry-instrument`` configures the SDK
    through it when no other distro's configurator came first, so zero-code runs need nothing else."""

    def configure(self, **_kwargs: Any) -> None:
        configure_sdk_from_env()
