"""The one OTel SDK setup: providers from the standard ``OTEL_*`` variables, where the app has none.

``otel_llm.instrument()``, the ``opentelemetry-instrument`` configurator and the ``otel-llm eval``
commands all configure the SDK here, with the OTel default protocol (``http/protobuf``). The providers
made here do not shut themselves down at exit: the handle does, bounded (``OTEL_LLM_SHUTDOWN_TIMEOUT``
seconds, all providers at once), so an unreachable collector holds neither ``shutdown()`` nor the
process exit for the exporters' retries.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs import export as logs_export
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, ConsoleLogRecordExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExportResult,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExportResult

from otel_llm.sdk_setup.export_gate import ReachabilityGate, collector_address, queue_while_reachable

logger = logging.getLogger(__name__)


_OTLP_CLASSES = {
    "traces": ("trace_exporter", "OTLPSpanExporter"),
    "metrics": ("metric_exporter", "OTLPMetricExporter"),
    "logs": ("_log_exporter", "OTLPLogExporter"),
}


# the log exporters return LogRecordExportResult in newer SDKs, LogExportResult in older ones
_LogResult = getattr(logs_export, "LogRecordExportResult", None) or logs_export.LogExportResult
_FAILURE = {
    "traces": SpanExportResult.FAILURE,
    "metrics": MetricExportResult.FAILURE,
    "logs": _LogResult.FAILURE,
}


def export_timeout(signal: str) -> float:
    """The OTLP exporters' timeout in seconds, from ``OTEL_EXPORTER_OTLP_[SIGNAL_]TIMEOUT`` (default 10)."""
    names = (f"OTEL_EXPORTER_OTLP_{signal.upper()}_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
    return _seconds_from_env(names, 10.0)


def _seconds_from_env(names: tuple[str, ...], default: float) -> float:
    """The first of ``names`` that is set, as seconds; ``default`` (with a warning) if it is not a number."""
    name, raw = next(((n, os.environ[n]) for n in names if os.environ.get(n)), ("", ""))
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        logger.warning("%s=%r is not a number; using %s", name, raw, default)
        return default


def _otlp(signal: str, protocol: str) -> Any:
    """The OTLP exporter for a signal; endpoints, headers and TLS come from the OTEL_EXPORTER_OTLP_* vars.
    Gated (``sdk_setup.export_gate``): while the collector refuses connections, batches are not encoded."""
    transport = "grpc" if protocol == "grpc" else "http"
    module_name, class_name = _OTLP_CLASSES[signal]
    module = importlib.import_module(f"opentelemetry.exporter.otlp.proto.{transport}.{module_name}")
    exporter = getattr(module, class_name)()
    endpoint = getattr(exporter, "_endpoint", None)  # both transports resolve it from the variables
    address = collector_address(endpoint) if isinstance(endpoint, str) else None
    if address is None:
        return exporter
    return ReachabilityGate(exporter, address, _FAILURE[signal], export_timeout(signal))


_CONSOLE = {"traces": ConsoleSpanExporter, "metrics": ConsoleMetricExporter, "logs": ConsoleLogRecordExporter}


QUEUE_SIZE_ENV = "OTEL_BSP_MAX_QUEUE_SIZE"
DEFAULT_QUEUE_SPANS = 8192
"""Spans the batch processor holds while its exports wait (the SDK's own default is 2,048). A collector
restart keeps the exporter in retry backoff for up to 1.3 s per batch, which at 2,500 spans/s fills 2,048;
8,192 bounds the memory held while a collector stays down: about 60 MB of chat spans with content
captured (7.5 KB each; ``benchmarks/collector_down.py`` measures it). ``OTEL_BSP_MAX_QUEUE_SIZE``
overrides it."""


def batch_span_processor(exporter: Any) -> BatchSpanProcessor:
    """The SDK's batch processor, with our queue size unless the ``OTEL_BSP_MAX_*`` variables size it."""
    sized_by_env = os.environ.get(QUEUE_SIZE_ENV) or os.environ.get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")
    processor = BatchSpanProcessor(exporter, max_queue_size=None if sized_by_env else DEFAULT_QUEUE_SPANS)
    return queue_while_reachable(processor, exporter)


def batch_log_record_processor(exporter: Any) -> BatchLogRecordProcessor:
    """The SDK's batch log record processor, queueing only while a gated exporter's collector is up."""
    return queue_while_reachable(BatchLogRecordProcessor(exporter), exporter)


SHUTDOWN_TIMEOUT_ENV = "OTEL_LLM_SHUTDOWN_TIMEOUT"
DEFAULT_SHUTDOWN_TIMEOUT = 5.0


def shutdown_timeout() -> float:
    """Seconds ``flush()`` and ``shutdown()`` wait for the exporters, from ``OTEL_LLM_SHUTDOWN_TIMEOUT``."""
    return _seconds_from_env((SHUTDOWN_TIMEOUT_ENV,), DEFAULT_SHUTDOWN_TIMEOUT)


def _endpoint_set(signal: str) -> bool:
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
    )


def exporters(signal: str, require_endpoint: bool = False) -> list[Any]:
    """The exporters ``OTEL_{SIGNAL}_EXPORTER`` names (default ``otlp``); with ``require_endpoint``, OTLP
    only where an ``OTEL_EXPORTER_OTLP_*ENDPOINT`` variable is set."""
    chosen = os.environ.get(f"OTEL_{signal.upper()}_EXPORTER", "otlp")
    protocol = os.environ.get(
        f"OTEL_EXPORTER_OTLP_{signal.upper()}_PROTOCOL",
        os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
    )
    exporters = []
    for name in (part.strip() for part in chosen.split(",")):
        if name == "otlp":
            if not require_endpoint or _endpoint_set(signal):
                exporters.append(_otlp(signal, protocol))
        elif name == "console":
            exporters.append(_CONSOLE[signal]())
        elif name and name != "none":
            logger.warning(
                "OTEL_%s_EXPORTER=%s is not supported by otel-llm's setup; ignored", signal.upper(), name
            )
    return exporters


def _within(calls: list[Callable[[], Any]], timeout: float) -> bool:
    """Run ``calls`` at once, each in a daemon thread; wait for them at most ``timeout`` seconds in all.
    ``True`` when all finished. A call still waiting on an exporter is left to finish on its own."""
    threads = [threading.Thread(target=call, name="otel-llm-sdk-shutdown", daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    finished = not any(thread.is_alive() for thread in threads)
    if not finished:
        logger.warning(
            "otel-llm: the OTel SDK did not finish exporting within %.1f s; not waiting longer", timeout
        )
    return finished


@dataclass
class ConfiguredSDK:
    """The providers this module created (and so owns): flushed and shut down by the handle, each within
    ``timeout`` seconds (default ``OTEL_LLM_SHUTDOWN_TIMEOUT``), all providers in parallel."""

    providers: list[Any] = field(default_factory=list)
    timeout: float = field(default_factory=shutdown_timeout)

    def flush(self, timeout: float | None = None) -> bool:
        wait = self.timeout if timeout is None else timeout
        return _within([partial(p.force_flush, int(wait * 1000)) for p in self.providers], wait)

    def shutdown(self, timeout: float | None = None) -> bool:
        """Shut the providers down (once); also run at process exit."""
        providers, self.providers = self.providers, []
        atexit.unregister(self.shutdown)
        return _within([p.shutdown for p in providers], self.timeout if timeout is None else timeout)


def _is_configured(provider: Any, proxy_name: str) -> bool:
    return type(provider).__name__ not in (proxy_name, f"NoOp{proxy_name.removeprefix('Proxy')}")


def configure_sdk_from_env(require_endpoint: bool = False) -> ConfiguredSDK:
    """Install SDK providers for each signal whose global provider is still the API default.

    ``require_endpoint`` (the eval commands): providers are installed so spans can be read in-process,
    but they export over OTLP only where an ``OTEL_EXPORTER_OTLP_*ENDPOINT`` variable is set.
    """
    configured = ConfiguredSDK()
    resource = Resource.create()  # reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
    if not _is_configured(trace.get_tracer_provider(), "ProxyTracerProvider"):
        tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        for exporter in exporters("traces", require_endpoint):
            tracer_provider.add_span_processor(batch_span_processor(exporter))
        trace.set_tracer_provider(tracer_provider)
        configured.providers.append(tracer_provider)
    if not _is_configured(metrics.get_meter_provider(), "_ProxyMeterProvider"):
        readers = [PeriodicExportingMetricReader(e) for e in exporters("metrics", require_endpoint)]
        meter_provider = MeterProvider(resource=resource, metric_readers=readers, shutdown_on_exit=False)
        metrics.set_meter_provider(meter_provider)
        configured.providers.append(meter_provider)
    if not _is_configured(_logs.get_logger_provider(), "ProxyLoggerProvider"):
        logger_provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
        for exporter in exporters("logs", require_endpoint):
            logger_provider.add_log_record_processor(batch_log_record_processor(exporter))
        _logs.set_logger_provider(logger_provider)
        configured.providers.append(logger_provider)
    if configured.providers:
        atexit.register(configured.shutdown)
    return configured


class Configurator:
    """``opentelemetry_configurator`` entry point: ``opentelemetry-instrument`` configures the SDK
    through it when no other distro's configurator came first, so zero-code runs need nothing else."""

    def configure(self, **_kwargs: Any) -> None:
        configure_sdk_from_env()
