"""``otel_llm.instrument()``: one call for every installed provider SDK."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from opentelemetry.instrumentation.dependencies import get_dependency_conflicts

from otel_llm import monitoring
from otel_llm.config import load_settings
from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.sdk_setup import ConfiguredSDK, configure_sdk_from_env
from otel_llm.telemetry.invocation import GenAITelemetry

logger = logging.getLogger(__name__)

DISTRIBUTION = "otel-llm"
ENTRY_POINT_GROUP = "opentelemetry_instrumentor"
DISABLED_ENV = "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS"
"""Entry-point names to skip (e.g. ``otel_llm_litellm``), as ``opentelemetry-instrument`` honours it."""


def available_instrumentors() -> list[GenAIInstrumentor]:
    """Our instrumentors (from our entry points) whose SDK is installed in a supported version,
    less those named in ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS``."""
    disabled = {name.strip() for name in os.environ.get(DISABLED_ENV, "").split(",") if name.strip()}
    found = []
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.dist is None or entry_point.dist.name != DISTRIBUTION or entry_point.name in disabled:
            continue
        try:
            instrumentor = entry_point.load()()
        except Exception:
            logger.exception("cannot load instrumentor %s", entry_point.name)
            continue
        if get_dependency_conflicts(instrumentor.instrumentation_dependencies()) is None:
            found.append(instrumentor)
    return found


@dataclass
class Instrumentation:
    """What :func:`instrument` did: flush it, or shut it down (uninstrument and stop our SDK setup)."""

    telemetry: GenAITelemetry
    instrumentors: list[GenAIInstrumentor] = field(default_factory=list)
    sdk: ConfiguredSDK = field(default_factory=ConfiguredSDK)
    resources: monitoring.ResourceMetrics = field(default_factory=monitoring.ResourceMetrics)

    @property
    def instrumented(self) -> list[str]:
        return [type(i).__name__ for i in self.instrumentors]

    def flush(self, timeout: float | None = None) -> bool:
        """Export what our SDK setup holds; waits at most ``timeout`` seconds (default
        ``OTEL_LLM_SHUTDOWN_TIMEOUT``, 5). ``False`` if the exporters did not finish in time."""
        return self.sdk.flush(timeout)

    def shutdown(self, timeout: float | None = None) -> bool:
        """Uninstrument, and shut our SDK setup down within ``timeout`` seconds (as :meth:`flush`)."""
        for instrumentor in self.instrumentors:
            instrumentor.uninstrument()
        self.instrumentors = []
        self.resources.stop()
        return self.sdk.shutdown(timeout)

    def __enter__(self) -> Instrumentation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def instrument(
    *,
    configure_sdk: bool = True,
    tracer_provider: Any = None,
    meter_provider: Any = None,
    logger_provider: Any = None,
    evaluation_hooks: bool = True,
    resource_metrics: str | None = None,
    **settings: Any,
) -> Instrumentation:
    """Instrument every supported, installed LLM SDK.

    ``settings`` are :class:`otel_llm.config.Settings` fields (``capture_mode``, ``content_hook``,
    ``content_max_length``, ``prices_file``, ``chunk_metric``, ``semconv_mode``) overriding the environment.
    ``evaluation_hooks`` adds the span processor that lets ``record_feedback(response_id=...)`` find
    the span of a past response and marks LLM-as-judge calls (a dictionary look-up per span).
    ``resource_metrics`` (``"process,gpu"``, ``"process"``, ``"none"``...) overrides
    ``OTEL_LLM_RESOURCE_METRICS``: which process and GPU metrics :mod:`otel_llm.monitoring` records.
    """
    sdk = configure_sdk_from_env() if configure_sdk else ConfiguredSDK()
    if evaluation_hooks:
        from otel_llm.evaluation.hooks import install_span_hooks

        install_span_hooks(tracer_provider)
    telemetry = GenAITelemetry(
        load_settings(**settings),
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        logger_provider=logger_provider,
    )
    telemetry.prices  # noqa: B018 - starts loading genai-prices in the background, before the first call
    instrumentors = []
    for instrumentor in available_instrumentors():
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(telemetry=telemetry)
            instrumentors.append(instrumentor)
    try:
        resources = monitoring.start(meter_provider, monitoring.chosen_kinds(override=resource_metrics))
    except Exception:
        logger.exception("otel-llm could not start the resource metrics")
        resources = monitoring.ResourceMetrics()
    return Instrumentation(telemetry, instrumentors, sdk, resources)
