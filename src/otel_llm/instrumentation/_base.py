"""The base class of every otel-llm instrumentor."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from opentelemetry.instrumentation.instrumentor import BaseInstrumentor

from otel_llm.config import load_settings
from otel_llm.instrumentation._wrapping import Patch, apply_patches, remove_patches
from otel_llm.telemetry.invocation import GenAITelemetry


class GenAIInstrumentor(BaseInstrumentor):
    """Subclasses name their SDK requirement and their patches; nothing else.

    ``instrument()`` accepts the usual ``tracer_provider``, ``meter_provider`` and ``logger_provider``,
    any :class:`otel_llm.config.Settings` field (``capture_mode``, ``content_hook``, ...), or a ready
    ``telemetry`` shared with other instrumentors. Instrumenting twice is a no-op (BaseInstrumentor).
    """

    requirements: tuple[str, ...] = ()
    # BaseInstrumentor makes each subclass a singleton whose __init__ runs on every call:
    # state lives in class-level defaults, assigned (never mutated) by _instrument.
    _applied: Sequence[Patch] = ()
    telemetry: GenAITelemetry | None = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return self.requirements

    def patches(self) -> Sequence[Patch]:
        raise NotImplementedError

    def _instrument(self, **kwargs: Any) -> None:
        telemetry = kwargs.get("telemetry")
        if telemetry is None:
            settings_fields = {
                k: kwargs.get(k)
                for k in ("capture_mode", "content_max_length", "prices_file", "chunk_metric", "content_hook")
            }
            telemetry = GenAITelemetry(
                load_settings(**settings_fields),
                tracer_provider=kwargs.get("tracer_provider"),
                meter_provider=kwargs.get("meter_provider"),
                logger_provider=kwargs.get("logger_provider"),
            )
        self.telemetry = telemetry
        self._applied = apply_patches(telemetry, self.patches())

    def _uninstrument(self, **kwargs: Any) -> None:
        remove_patches(self._applied)
        self._applied = ()
