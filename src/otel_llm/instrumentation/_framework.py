"""The base of agent-framework instrumentors: hooks that wrap framework methods around the core operations.

Provider instrumentors describe model calls with :class:`~otel_llm.instrumentation._wrapping.Operation` s.
Agent frameworks instead run agents, tools and handoffs around those calls: their instrumentors list
:class:`Hook` s (a method and a factory of its wrapt wrapper) and may register framework callbacks in
:meth:`FrameworkInstrumentor.attach`. Patching waits for the framework's import, as for the SDKs.

This module is only the declaration an instrumentor module imports: ``hooks()`` is called by
``_instrument()``, so each framework imports its wrappers (``<framework>/_hooks.py``, built on
:mod:`otel_llm.instrumentation._steps`) and the core inside ``hooks()``, and importing the instrumentor
loads none of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import wrapt

from otel_llm.instrumentation._base import GenAIInstrumentor

if TYPE_CHECKING:
    from otel_llm.instrumentation._wrapping import Patch
    from otel_llm.telemetry.invocation import GenAITelemetry

logger = logging.getLogger(__name__)

Wrapper = Callable[[Callable[..., Any], Any, tuple, dict[str, Any]], Any]


@dataclass(frozen=True)
class Hook:
    module: str
    method: str  # "Class.method" or a module-level function
    wrapper: Callable[[GenAITelemetry], Wrapper]
    """``wrapper(telemetry)``: the wrapt wrapper of the method, for one telemetry configuration."""


class FrameworkInstrumentor(GenAIInstrumentor):
    """Subclasses name ``package`` (the framework's import package), ``requirements`` and ``hooks()``."""

    package: str = ""
    _hooked: Sequence[Hook] = ()

    def patches(self) -> Sequence[Patch]:
        return ()

    def sdk_package(self) -> str | None:
        return self.package

    def hooks(self) -> Sequence[Hook]:
        return ()

    def attach(self, telemetry: GenAITelemetry) -> None:
        """Register framework callbacks (the framework is imported); the default registers none."""

    def detach(self) -> None:
        """Undo :meth:`attach`."""

    def _instrument(self, **kwargs: Any) -> None:
        super()._instrument(**kwargs)
        telemetry: GenAITelemetry = self.telemetry  # type: ignore[assignment]
        hooked = []
        for hook in self.hooks():
            try:
                wrapt.wrap_function_wrapper(hook.module, hook.method, hook.wrapper(telemetry))
                hooked.append(hook)
            except (ImportError, AttributeError):
                logger.debug("%s.%s is not in this version; not instrumented", hook.module, hook.method)
        self._hooked = tuple(hooked)
        try:
            self.attach(telemetry)
        except Exception:
            logger.exception("otel-llm could not attach to %s", self.package)

    def _uninstrument(self, **kwargs: Any) -> None:
        from otel_llm.instrumentation._wrapping import remove_patches

        super()._uninstrument(**kwargs)
        self.detach()
        remove_patches(self._hooked)  # hooks name their module and method as patches do
        self._hooked = ()
