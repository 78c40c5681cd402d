"""The base class of every otel-llm instrumentor."""

from __future__ import annotations

import importlib.util
import logging
import sys
from collections.abc import Collection, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeAlias

import wrapt
from opentelemetry.instrumentation.dependencies import DependencyConflictError
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]  # mypy reads it as Any
    BaseInstrumentor,
)

if TYPE_CHECKING:  # loaded by instrument(): importing an instrumentor loads only its declaration
    from otel_llm.instrumentation._wrapping import Patch
    from otel_llm.telemetry.invocation import GenAITelemetry

Patches: TypeAlias = "Sequence[Patch]"
"""What ``patches()`` returns."""

logger = logging.getLogger(__name__)


class _Generation:
    """One ``instrument()``: hooks of an earlier one (uninstrumented since) do nothing."""


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
    _generation: _Generation | None = None
    _pending_kwargs: dict[str, Any] | None = None  # instrument() arguments kept until the SDK is imported
    telemetry: GenAITelemetry | None = None
    _is_instrumented_by_opentelemetry: bool  # BaseInstrumentor's flag

    def instrumentation_dependencies(self) -> Collection[str]:
        return self.requirements

    def patches(self) -> Patches:
        """The SDK methods to wrap; providers import their operations here, not at module level."""
        raise NotImplementedError

    def sdk_package(self) -> str | None:
        """The SDK's import package, from the first patch (``google.genai`` within namespace ``google``)."""
        patches = self.patches()
        if not patches:
            return None
        parts = patches[0].module.split(".")
        spec = importlib.util.find_spec(parts[0])
        if spec is None:
            return None
        namespace = spec.origin is None and len(parts) > 1
        return ".".join(parts[:2]) if namespace else parts[0]

    def instrument(self, **kwargs: Any) -> Any:
        package = None if self._is_instrumented_by_opentelemetry else self.sdk_package()
        if package is None or package in sys.modules:
            return super().instrument(**kwargs)
        raise_on_conflict = kwargs.pop("raise_exception_on_conflict", False)
        if not kwargs.pop("skip_dep_check", False):
            conflict = self._check_dependency_conflicts()
            if conflict:
                if raise_on_conflict:
                    raise DependencyConflictError(conflict)
                logger.error(conflict._format_message(type(self).__name__))
                return None
        self._pending_kwargs = kwargs
        self._is_instrumented_by_opentelemetry = True
        wrapt.register_post_import_hook(self._instrument_on_import, package)
        return None

    def _instrument_on_import(self, module: Any) -> None:
        """Runs inside the app's import statement: it must never raise."""
        kwargs, self._pending_kwargs = self._pending_kwargs, None
        if kwargs is None:  # uninstrumented in the meantime, or already done
            return
        try:
            self._instrument(**kwargs)
        except Exception:
            logger.exception("otel-llm could not instrument %s", type(self).__name__)

    def uninstrument(self, **kwargs: Any) -> Any:
        if self._pending_kwargs is not None:  # the SDK was never imported: nothing is patched
            self._pending_kwargs = None
            self._is_instrumented_by_opentelemetry = False
            return None
        return super().uninstrument(**kwargs)

    def _instrument(self, **kwargs: Any) -> None:
        from otel_llm.config import load_settings
        from otel_llm.telemetry.invocation import GenAITelemetry

        telemetry = kwargs.get("telemetry")
        if telemetry is None:
            settings_fields = {
                k: kwargs.get(k)
                for k in (
                    "capture_mode",
                    "content_max_length",
                    "prices_file",
                    "chunk_metric",
                    "content_hook",
                    "semconv_mode",
                )
            }
            telemetry = GenAITelemetry(
                load_settings(**settings_fields),
                tracer_provider=kwargs.get("tracer_provider"),
                meter_provider=kwargs.get("meter_provider"),
                logger_provider=kwargs.get("logger_provider"),
            )
        self.telemetry = telemetry
        telemetry.prices  # noqa: B018 - the price table starts loading genai-prices in the background
        self._applied = ()
        self._generation = generation = _Generation()
        for patch in self.patches():
            hook = partial(self._patch_on_import, generation, telemetry, patch)
            wrapt.register_post_import_hook(hook, patch.module)

    def _patch_on_import(
        self, generation: _Generation, telemetry: GenAITelemetry, patch: Patch, module: Any
    ) -> None:
        """Runs inside the app's import statement: it must never raise."""
        if generation is not self._generation:
            return
        from otel_llm.instrumentation._wrapping import apply_patch

        try:
            if apply_patch(telemetry, patch, module):
                self._applied = (*self._applied, patch)
        except Exception:
            logger.exception("otel-llm could not instrument %s.%s", patch.module, patch.method)

    def _uninstrument(self, **kwargs: Any) -> None:
        from otel_llm.instrumentation._wrapping import remove_patches

        self._generation = None
        remove_patches(self._applied)
        self._applied = ()
