"""The NVML path against the machine's own GPUs, where it has an NVIDIA driver and a device.

Runs in a fresh interpreter, so the fake library of ``test_gpu.py`` (loaded by soname) cannot stand in
for the real one. Skipped, with the reason, on machines without an NVIDIA GPU.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent("""
    import json, pynvml
    try:
        pynvml.nvmlInit()
        count = pynvml.nvmlDeviceGetCount()
    except pynvml.NVMLError as error:
        print(json.dumps({"skip": f"NVML is not available here: {error}"}))
        raise SystemExit
    if not count:
        print(json.dumps({"skip": "the NVIDIA driver reports no GPU"}))
        raise SystemExit
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from otel_llm.monitoring.gpu import GPUMetrics

    reader = InMemoryMetricReader()
    metrics = GPUMetrics.start(MeterProvider(metric_readers=[reader]))
    points = {}
    for rm in reader.get_metrics_data().resource_metrics:
        for scope in rm.scope_metrics:
            for metric in scope.metrics:
                points[metric.name] = [[dict(p.attributes), p.value] for p in metric.data.data_points]
    handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
    def text(value):
        return value.decode() if isinstance(value, bytes) else value

    limits = {text(pynvml.nvmlDeviceGetUUID(h)): pynvml.nvmlDeviceGetMemoryInfo(h).total for h in handles}
    print(json.dumps({"points": points, "limits": limits}))
""")


def test_the_machines_gpus_report_through_nvml() -> None:
    env = {key: value for key, value in os.environ.items() if key != "LD_LIBRARY_PATH"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    probe = json.loads(result.stdout.splitlines()[-1])
    if "skip" in probe:
        pytest.skip(probe["skip"])
    limits = {labels["hw.id"]: value for labels, value in probe["points"]["hw.gpu.memory.limit"]}
    assert limits == probe["limits"]  # every device, with the driver's own memory size
    for labels, value in probe["points"]["hw.gpu.utilization"]:
        assert labels["hw.type"] == "gpu" and 0 <= value <= 1
