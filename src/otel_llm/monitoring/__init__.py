"""Resource metrics beside the GenAI metrics: the process (CPU, memory, threads, files, GC) and GPUs.

``otel_llm.instrument()`` starts them; ``OTEL_LLM_RESOURCE_METRICS`` chooses which (a comma list of
``process`` and ``gpu``; ``none`` switches both off; default ``process,gpu``). GPU metrics need
``otel-llm[gpu]`` (nvidia-ml-py) and an NVIDIA driver; without either they are silently absent.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

RESOURCE_METRICS_ENV = "OTEL_LLM_RESOURCE_METRICS"
KINDS = ("process", "gpu")


def chosen_kinds(env: Mapping[str, str] | None = None, override: str | None = None) -> set[str]:
    """The resource metric kinds to record: ``override`` (from ``instrument()``) or the variable."""
    raw = (
        override
        if override is not None
        else (env if env is not None else os.environ).get(RESOURCE_METRICS_ENV)
    )
    if raw is None or not raw.strip():
        return set(KINDS)
    words = {word.strip().lower() for word in raw.split(",") if word.strip()}
    if words & {"none", "off", "false"}:
        return set()
    unknown = words - set(KINDS)
    if unknown:
        logger.warning("%s: unknown kinds %s (known: %s)", RESOURCE_METRICS_ENV, sorted(unknown), KINDS)
    return words & set(KINDS)


@dataclass
class ResourceMetrics:
    """What :func:`start` started; :meth:`stop` stops it."""

    started: list[Any] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return [getattr(item, "kind", type(item).__name__) for item in self.started]

    def stop(self) -> None:
        for item in self.started:
            try:
                item.stop()
            except Exception:
                logger.exception("otel-llm could not stop %s metrics", getattr(item, "kind", item))
        self.started = []


def start(meter_provider: Any = None, kinds: set[str] | None = None) -> ResourceMetrics:
    """Start the chosen resource metrics on ``meter_provider`` (the global one when ``None``)."""
    kinds = chosen_kinds() if kinds is None else kinds
    handle = ResourceMetrics()
    if "process" in kinds:
        from otel_llm.monitoring.process import ProcessMetrics

        handle.started.append(ProcessMetrics.start(meter_provider))
    if "gpu" in kinds:
        from otel_llm.monitoring.gpu import GPUMetrics

        gpus = GPUMetrics.start(meter_provider)
        if gpus is not None:
            handle.started.append(gpus)
    return handle
