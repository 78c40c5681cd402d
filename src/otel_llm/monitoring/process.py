"""Process metrics with the OTel semantic-convention names and attributes, read with psutil.

Only the process's own ``process.*`` and ``cpython.gc.*`` metrics; the host's ``system.*`` metrics
belong to the collector's hostmetrics receiver. (opentelemetry-instrumentation-system-metrics 0.66b2
records these under older attribute names — ``type`` for ``cpu.mode``, ``direction`` for
``disk.io.direction`` — and the deprecated ``process.open_file_descriptor.count``, so it is not used.)
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

import psutil
from opentelemetry.semconv._incubating.metrics import cpython_metrics as C
from opentelemetry.semconv._incubating.metrics import process_metrics as P

from otel_llm.monitoring._instruments import Spec, observed, release

SCOPE = "otel_llm.monitoring.process"
SCHEMA_URL = "https://opentelemetry.io/schemas/1.37.0"
Points = Iterable[tuple[float | int, dict[str, Any]]]


class ProcessMetrics:
    kind = "process"

    def __init__(self) -> None:
        self._process = psutil.Process(os.getpid())
        affinity = self._process.cpu_affinity() if hasattr(self._process, "cpu_affinity") else None
        self._cpus: int = len(affinity or ()) or psutil.cpu_count() or 1
        self._lock = threading.Lock()
        self._last = (time.monotonic(), self._process.cpu_times())

    @classmethod
    def start(cls, meter_provider: Any = None) -> ProcessMetrics:
        metrics = cls()
        observed(SCOPE, SCHEMA_URL, SPECS, meter_provider).source = metrics
        return metrics

    def stop(self) -> None:
        release(self)

    # -- readings -------------------------------------------------------------------------------

    def cpu_time(self) -> Points:
        times = self._process.cpu_times()
        return [(times.user, {"cpu.mode": "user"}), (times.system, {"cpu.mode": "system"})]

    def cpu_utilization(self) -> Points:
        """CPU time since the last reading over the elapsed time and the CPUs available to the process."""
        with self._lock:
            now, times = time.monotonic(), self._process.cpu_times()
            then, before = self._last
            self._last = (now, times)
        elapsed = (now - then) * self._cpus
        if elapsed <= 0:
            return []
        return [
            ((times.user - before.user) / elapsed, {"cpu.mode": "user"}),
            ((times.system - before.system) / elapsed, {"cpu.mode": "system"}),
        ]

    def memory(self) -> Points:
        return [(self._process.memory_info().rss, {})]

    def virtual_memory(self) -> Points:
        return [(self._process.memory_info().vms, {})]

    def threads(self) -> Points:
        return [(self._process.num_threads(), {})]

    def file_descriptors(self) -> Points:
        return [(self._process.num_fds(), {})] if hasattr(self._process, "num_fds") else []

    def context_switches(self) -> Points:
        switches = self._process.num_ctx_switches()
        return [
            (switches.voluntary, {"process.context_switch.type": "voluntary"}),
            (switches.involuntary, {"process.context_switch.type": "involuntary"}),
        ]

    def uptime(self) -> Points:
        return [(time.time() - self._process.create_time(), {})]

    @staticmethod
    def gc_stat(key: str) -> Points:
        return [
            (stats[key], {"cpython.gc.generation": generation})
            for generation, stats in enumerate(gc.get_stats())
        ]


SPECS = (
    Spec(
        P.PROCESS_CPU_TIME,
        "counter",
        "s",
        "Total CPU seconds broken down by CPU mode.",
        ProcessMetrics.cpu_time,
    ),
    Spec(
        P.PROCESS_CPU_UTILIZATION,
        "gauge",
        "1",
        "CPU time since the last measurement over the elapsed time and the CPUs available to the process.",
        ProcessMetrics.cpu_utilization,
    ),
    Spec(
        P.PROCESS_MEMORY_USAGE, "updown", "By", "The amount of physical memory in use.", ProcessMetrics.memory
    ),
    Spec(
        P.PROCESS_MEMORY_VIRTUAL,
        "updown",
        "By",
        "The amount of committed virtual memory.",
        ProcessMetrics.virtual_memory,
    ),
    Spec(P.PROCESS_THREAD_COUNT, "updown", "{thread}", "Process threads count.", ProcessMetrics.threads),
    Spec(
        P.PROCESS_UNIX_FILE_DESCRIPTOR_COUNT,
        "updown",
        "{file_descriptor}",
        "Number of UNIX file descriptors in use by the process.",
        ProcessMetrics.file_descriptors,
    ),
    Spec(
        P.PROCESS_CONTEXT_SWITCHES,
        "counter",
        "{context_switch}",
        "Number of times the process has been context switched.",
        ProcessMetrics.context_switches,
    ),
    Spec(P.PROCESS_UPTIME, "gauge", "s", "The time the process has been running.", ProcessMetrics.uptime),
    Spec(
        C.CPYTHON_GC_COLLECTIONS,
        "counter",
        "{collection}",
        "The number of times a generation was collected since interpreter start.",
        lambda source: source.gc_stat("collections"),
    ),
    Spec(
        C.CPYTHON_GC_COLLECTED_OBJECTS,
        "counter",
        "{object}",
        "The total number of objects collected inside a generation since interpreter start.",
        lambda source: source.gc_stat("collected"),
    ),
    Spec(
        C.CPYTHON_GC_UNCOLLECTABLE_OBJECTS,
        "counter",
        "{object}",
        "The total number of objects found to be uncollectable inside a generation since interpreter start.",
        lambda source: source.gc_stat("uncollectable"),
    ),
)
PROCESS_METRICS = tuple(spec.name for spec in SPECS)
