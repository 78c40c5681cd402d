"""Process metrics from ``otel_llm.instrument()``, with the semantic-convention names, and the switch."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from otel_llm import monitoring
from otel_llm.monitoring.process import PROCESS_METRICS

SCRIPT = textwrap.dedent("""
    import json, sys
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    import otel_llm

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    handle = otel_llm.instrument(configure_sdk=False, meter_provider=provider, **json.loads(sys.argv[1]))
    points = {}
    data = reader.get_metrics_data()
    for resource_metrics in data.resource_metrics if data else ():
        for scope in resource_metrics.scope_metrics:
            for metric in scope.metrics:
                points[metric.name] = [
                    [dict(p.attributes), getattr(p, "value", None)] for p in metric.data.data_points
                ]
    kinds = handle.resources.kinds
    handle.shutdown()
    print(json.dumps({"points": points, "kinds": kinds}))
""")


def _run(env: dict[str, str], **kwargs) -> dict:
    import json

    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(kwargs)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_instrument_records_the_process_metrics_of_the_conventions() -> None:
    run = _run({})
    points = run["points"]
    assert set(points) >= set(PROCESS_METRICS)
    assert not [name for name in points if name.startswith(("system.", "process.runtime."))]
    (memory,) = points["process.memory.usage"]
    assert memory[1] > 10 * 1024 * 1024  # this interpreter's resident set, in bytes
    assert {tuple(sorted(a.items())) for a, _ in points["process.cpu.time"]} == {
        (("cpu.mode", "user"),),
        (("cpu.mode", "system"),),
    }
    (threads,) = points["process.thread.count"]
    assert threads[1] >= 1
    assert "process" in run["kinds"]


@pytest.mark.parametrize(
    ("env", "kwargs"),
    [({monitoring.RESOURCE_METRICS_ENV: "none"}, {}), ({}, {"resource_metrics": "none"})],
    ids=["variable", "argument"],
)
def test_resource_metrics_can_be_switched_off(env, kwargs) -> None:
    run = _run(env, **kwargs)
    assert not [name for name in run["points"] if name.startswith(("process.", "cpython.", "hw."))]
    assert run["kinds"] == []


@pytest.mark.parametrize(
    ("raw", "kinds"),
    [
        (None, {"process", "gpu"}),
        ("", {"process", "gpu"}),
        ("process", {"process"}),
        ("gpu, Process", {"gpu", "process"}),
        ("off", set()),
        ("none", set()),
        ("bogus", set()),
    ],
)
def test_chosen_kinds(raw, kinds) -> None:
    env = {} if raw is None else {monitoring.RESOURCE_METRICS_ENV: raw}
    assert monitoring.chosen_kinds(env) == kinds
