"""GPU metrics per device (``hw.*`` of the hardware conventions) from NVIDIA's NVML, via nvidia-ml-py.

Where nvidia-ml-py, the driver's ``libnvidia-ml.so.1`` or a GPU is missing, :meth:`GPUMetrics.start`
returns ``None`` and nothing is recorded. A reading the device does not support (power on some
boards) is left out; it never raises into the app or the metric reader.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from otel_llm.monitoring._instruments import Spec, observed, release

logger = logging.getLogger(__name__)

HW_GPU_UTILIZATION = "hw.gpu.utilization"
HW_GPU_MEMORY_USAGE = "hw.gpu.memory.usage"
HW_GPU_MEMORY_LIMIT = "hw.gpu.memory.limit"
HW_GPU_MEMORY_UTILIZATION = "hw.gpu.memory.utilization"
HW_POWER = "hw.power"
HW_ENERGY = "hw.energy"
HW_TEMPERATURE = "hw.temperature"
SCOPE = "otel_llm.monitoring.gpu"
SCHEMA_URL = "https://opentelemetry.io/schemas/1.37.0"
_SAMPLE_TTL = 0.5  # seconds: one NVML read serves every instrument of one collection


@dataclass(frozen=True)
class GPUSample:
    """One device's readings; ``None`` where the device does not report a value."""

    attributes: dict[str, str]
    utilization: float | None  # ratio of time the GPU was busy
    memory_used: int | None  # bytes
    memory_total: int | None  # bytes
    power: float | None  # watts
    energy: float | None  # joules since the driver was loaded
    temperature: float | None  # degrees Celsius


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class GPUMetrics:
    kind = "gpu"

    def __init__(self, nvml: Any, handles: list[Any]) -> None:
        self._nvml = nvml
        self._devices = [(handle, self._describe(index, handle)) for index, handle in enumerate(handles)]
        self._lock = threading.Lock()
        self._sample: tuple[float, list[GPUSample]] = (0.0, [])

    @classmethod
    def start(cls, meter_provider: Any = None) -> GPUMetrics | None:
        try:
            import pynvml
        except ImportError:
            logger.debug("nvidia-ml-py is not installed: no GPU metrics")
            return None
        try:
            pynvml.nvmlInit()
        except Exception as error:  # NVMLError: no driver library, or no device
            logger.debug("NVML is not available (%s): no GPU metrics", error)
            return None
        try:
            handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
            if handles:
                metrics = cls(pynvml, handles)
                observed(SCOPE, SCHEMA_URL, SPECS, meter_provider).source = metrics
                return metrics
        except Exception:
            logger.exception("otel-llm could not read the GPUs")
        pynvml.nvmlShutdown()
        return None

    def stop(self) -> None:
        self._devices = []
        self._sample = (0.0, [])
        release(self)
        try:
            self._nvml.nvmlShutdown()
        except Exception:
            logger.debug("nvmlShutdown failed", exc_info=True)

    # -- reading --------------------------------------------------------------------------------

    def _describe(self, index: int, handle: Any) -> dict[str, str]:
        nvml = self._nvml
        attributes = {
            "hw.type": "gpu",
            "hw.vendor": "NVIDIA",
            "hw.id": _text(nvml.nvmlDeviceGetUUID(handle)),
            "hw.name": f"gpu{index}",
        }
        model = self._try(nvml.nvmlDeviceGetName, handle)
        if model is not None:
            attributes["hw.model"] = _text(model)
        driver = self._try(nvml.nvmlSystemGetDriverVersion)
        if driver is not None:
            attributes["hw.driver_version"] = _text(driver)
        return attributes

    @staticmethod
    def _try(read: Callable[..., Any], *args: Any) -> Any:
        try:
            return read(*args)
        except Exception:  # NVML_ERROR_NOT_SUPPORTED and the like: the reading is left out
            return None

    def _read(self, handle: Any, attributes: dict[str, str]) -> GPUSample:
        nvml = self._nvml
        rates = self._try(nvml.nvmlDeviceGetUtilizationRates, handle)
        memory = self._try(nvml.nvmlDeviceGetMemoryInfo, handle)
        power = self._try(nvml.nvmlDeviceGetPowerUsage, handle)  # milliwatts
        energy = self._try(nvml.nvmlDeviceGetTotalEnergyConsumption, handle)  # millijoules
        temperature = self._try(nvml.nvmlDeviceGetTemperature, handle, nvml.NVML_TEMPERATURE_GPU)
        return GPUSample(
            attributes,
            None if rates is None else rates.gpu / 100,
            None if memory is None else int(memory.used),
            None if memory is None else int(memory.total),
            None if power is None else power / 1000,
            None if energy is None else energy / 1000,
            None if temperature is None else float(temperature),
        )

    def samples(self) -> list[GPUSample]:
        """The devices' readings, read at most once per ``_SAMPLE_TTL`` for all instruments together."""
        with self._lock:
            taken, samples = self._sample
            now = time.monotonic()
            if now - taken > _SAMPLE_TTL:
                samples = [self._read(handle, attributes) for handle, attributes in self._devices]
                self._sample = (now, samples)
            return samples


Points = Iterable[tuple[float | int, dict[str, str]]]


def _each(
    value: Callable[[GPUSample], float | int | None], task: bool = False
) -> Callable[[GPUMetrics], Points]:
    """A reading per device from ``value(sample)``, with the device's attributes; missing values left out."""

    def read(source: GPUMetrics) -> Points:
        points = []
        for sample in source.samples():
            reading = value(sample)
            if reading is not None:
                points.append(
                    (reading, {**sample.attributes, "hw.gpu.task": "general"} if task else sample.attributes)
                )
        return points

    return read


def _memory_ratio(sample: GPUSample) -> float | None:
    if not sample.memory_total or sample.memory_used is None:
        return None
    return sample.memory_used / sample.memory_total


def _temperatures(source: GPUMetrics) -> Points:
    """A temperature sensor per GPU: its own ``hw.type``, with the GPU as ``hw.parent``."""
    points = []
    for sample in source.samples():
        if sample.temperature is not None:
            gpu = sample.attributes["hw.id"]
            sensor = {
                "hw.type": "temperature",
                "hw.id": f"{gpu}-gpu",
                "hw.parent": gpu,
                "hw.sensor_location": "gpu",
            }
            points.append((sample.temperature, sensor))
    return points


SPECS = (
    Spec(
        HW_GPU_UTILIZATION,
        "gauge",
        "1",
        "Fraction of time spent in a specific task.",
        _each(lambda s: s.utilization, task=True),
    ),
    Spec(HW_GPU_MEMORY_USAGE, "updown", "By", "GPU memory used.", _each(lambda s: s.memory_used)),
    Spec(HW_GPU_MEMORY_LIMIT, "updown", "By", "Size of the GPU memory.", _each(lambda s: s.memory_total)),
    Spec(HW_GPU_MEMORY_UTILIZATION, "gauge", "1", "Fraction of GPU memory used.", _each(_memory_ratio)),
    Spec(HW_POWER, "gauge", "W", "Instantaneous power consumed by the component.", _each(lambda s: s.power)),
    Spec(HW_ENERGY, "counter", "J", "Energy consumed by the component.", _each(lambda s: s.energy)),
    Spec(HW_TEMPERATURE, "gauge", "Cel", "Temperature in degrees Celsius.", _temperatures),
)
