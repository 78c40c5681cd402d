"""GPU metrics through the real nvidia-ml-py bindings, against a fake ``libnvidia-ml.so.1``."""

from __future__ import annotations

import pytest

from otel_llm.monitoring import gpu
from otel_llm.monitoring.gpu import GPUMetrics

from . import fake_nvml

GIB = 1024**3
GPU0 = {
    "hw.type": "gpu",
    "hw.vendor": "NVIDIA",
    "hw.id": "GPU-fake-0",
    "hw.name": "gpu0",
    "hw.model": "Fake Tesla T4",
    "hw.driver_version": "550.54.15",
}
GPU1 = {**GPU0, "hw.id": "GPU-fake-1", "hw.name": "gpu1", "hw.model": "Fake A100 80GB"}


@pytest.fixture(scope="module")
def nvml(tmp_path_factory):
    fake_nvml.preload(fake_nvml.build(tmp_path_factory.mktemp("nvml")))


def _points(otel) -> dict[str, list[tuple[dict, float]]]:
    return {
        name: sorted(((dict(p.attributes), p.value) for p in points), key=lambda item: item[0]["hw.id"])
        for name, points in otel.metric_points().items()
        if name.startswith("hw.")
    }


def test_every_device_reports_the_hardware_conventions(nvml, otel):
    metrics = GPUMetrics.start(otel.meter_provider)
    assert metrics is not None
    try:
        points = _points(otel)
    finally:
        metrics.stop()
    assert points[gpu.HW_GPU_UTILIZATION] == [
        ({**GPU0, "hw.gpu.task": "general"}, 0.37),
        ({**GPU1, "hw.gpu.task": "general"}, 0.8),
    ]
    assert points[gpu.HW_GPU_MEMORY_USAGE] == [(GPU0, 4 * GIB), (GPU1, 60 * GIB)]
    assert points[gpu.HW_GPU_MEMORY_LIMIT] == [(GPU0, 16 * GIB), (GPU1, 80 * GIB)]
    assert points[gpu.HW_GPU_MEMORY_UTILIZATION] == [(GPU0, 0.25), (GPU1, 0.75)]
    assert points[gpu.HW_POWER] == [(GPU0, 70.5)]  # device 1 does not report power
    assert points[gpu.HW_ENERGY] == [(GPU0, 123456.789), (GPU1, 5.0)]
    sensor = {"hw.type": "temperature", "hw.sensor_location": "gpu"}
    assert points[gpu.HW_TEMPERATURE] == [
        ({**sensor, "hw.id": "GPU-fake-0-gpu", "hw.parent": "GPU-fake-0"}, 61.0),
        ({**sensor, "hw.id": "GPU-fake-1-gpu", "hw.parent": "GPU-fake-1"}, 70.0),
    ]


def test_no_nvml_means_no_gpu_metrics_and_no_error(monkeypatch, caplog):
    import pynvml

    def missing():
        raise pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)

    monkeypatch.setattr(pynvml, "nvmlInit", missing)
    with caplog.at_level("WARNING"):
        assert GPUMetrics.start() is None
    assert caplog.records == []


def test_a_failing_reading_never_reaches_the_reader(nvml, otel, monkeypatch):
    metrics = GPUMetrics.start(otel.meter_provider)
    assert metrics is not None
    try:
        monkeypatch.setattr(metrics, "samples", lambda: 1 / 0)
        assert _points(otel) == {}
    finally:
        metrics.stop()


def test_started_again_after_a_stop(nvml, otel):
    first = GPUMetrics.start(otel.meter_provider)
    first.stop()
    assert _points(otel) == {}  # stopped: the instruments stay, but report nothing
    second = GPUMetrics.start(otel.meter_provider)
    try:
        assert [value for _, value in _points(otel)[gpu.HW_GPU_MEMORY_LIMIT]] == [16 * GIB, 80 * GIB]
    finally:
        second.stop()
