"""agent-hostmetrics.yaml: the host's system.* metrics through an agent and a gateway into Prometheus.

An agent (agent.yaml plus the overlay, collecting every second) forwards to one gateway
(gateway.yaml), whose Prometheus exporter a real Prometheus scrapes; the gateway's traces would go to
a Jaeger port nobody listens on, which the metrics pipeline does not need.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from otel_llm.stack.layout import collector_config_dir
from otel_llm.stack.local import SERVICE_PORTS
from otel_llm.stack.ports import PortPlan, free_ports
from otel_llm.stack.processes import stop_all
from otel_llm.stack.services import collector_service, prometheus_service

from .conftest import FAST_PIPELINE
from .helpers import Prometheus, dashboard_queries_split, eventually

pytestmark = pytest.mark.e2e

OVERLAY = "agent-hostmetrics.yaml"
HOST = "gpu-box-1"
JOB = 'job="hostmetrics"'


@dataclass(frozen=True)
class HostPipeline:
    prometheus: Prometheus


@pytest.fixture(scope="module")
def host_pipeline(binaries: tuple[Path, Path], tmp_path_factory) -> Iterator[HostPipeline]:
    state = tmp_path_factory.mktemp("hostmetrics")
    (dead_jaeger,) = free_ports(1)
    gateway_plan = PortPlan(
        {**PortPlan.ephemeral(SERVICE_PORTS["collector"]).ports, "jaeger_otlp_grpc": dead_jaeger}
    )
    agent_plan = PortPlan.ephemeral(SERVICE_PORTS["collector"])
    gateway = collector_service(gateway_plan, state, "gateway.yaml", "gateway", FAST_PIPELINE, binaries[0])
    agent_env = {
        **FAST_PIPELINE,
        "OTEL_LLM_GATEWAY_ENDPOINTS": f"[{gateway_plan.address('otlp_grpc')}]",
        "OTEL_LLM_HOSTMETRICS_INTERVAL": "1s",
        "OTEL_LLM_HOST_NAME": HOST,
    }
    agent = collector_service(
        agent_plan, state, "agent.yaml", "agent", agent_env, binaries[0], overlays=[OVERLAY]
    )
    prometheus_plan = PortPlan.ephemeral(["prometheus"])
    prometheus = prometheus_service(
        prometheus_plan,
        state,
        targets=[gateway_plan.address("prometheus_exporter")],
        scrape_interval="1s",
        rule_files=[],
        alerting=False,
    )
    started = []
    try:
        for service in (gateway, agent, prometheus):
            started.append(service)
            service.start()
            service.wait_healthy(60)
        yield HostPipeline(Prometheus(prometheus_plan.url("prometheus")))
    finally:
        stop_all(list(reversed(started)))


def _values(pipeline: HostPipeline, promql: str) -> list[tuple[dict[str, str], float]]:
    return [(row["metric"], float(row["value"][1])) for row in pipeline.prometheus.query(promql)]


def test_default_agent_config_has_no_host_metrics() -> None:
    agent = yaml.safe_load((collector_config_dir() / "agent.yaml").read_text())
    assert not {"host_metrics", "hostmetrics"} & set(agent["receivers"])
    receivers = {
        receiver for pipeline in agent["service"]["pipelines"].values() for receiver in pipeline["receivers"]
    }
    assert receivers == {"otlp"}


@pytest.mark.parametrize(
    "metric",
    [
        "system_cpu_time_seconds_total",
        "system_cpu_utilization_ratio",
        "system_cpu_logical_count",
        "system_cpu_load_average_1m",
        "system_cpu_load_average_5m",
        "system_cpu_load_average_15m",
        "system_memory_usage_bytes",
        "system_memory_utilization_ratio",
        "system_filesystem_usage_bytes",
        "system_filesystem_utilization_ratio",
        "system_network_io_bytes_total",
        "system_processes_count",
    ],
)
def test_host_metric_arrives_with_convention_name_and_host(host_pipeline: HostPipeline, metric: str) -> None:
    rows = eventually(lambda: _values(host_pipeline, f"{metric}{{{JOB}}}"), timeout=60)
    assert {labels["instance"] for labels, _ in rows} == {HOST}
    assert all(math.isfinite(value) for _, value in rows)


def test_host_metric_values_match_the_host(host_pipeline: HostPipeline) -> None:
    (cpus,) = eventually(lambda: _values(host_pipeline, f"system_cpu_logical_count{{{JOB}}}"), timeout=60)
    assert cpus[1] == os.cpu_count()
    states = {
        labels["state"] for labels, _ in _values(host_pipeline, f"system_cpu_time_seconds_total{{{JOB}}}")
    }
    assert {"user", "system", "idle"} <= states
    memory = dict(
        (labels["state"], value)
        for labels, value in _values(host_pipeline, f"sum by (state) (system_memory_usage_bytes{{{JOB}}})")
    )
    total = (
        int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        * 1024
    )
    assert 0 < memory["used"] < total and 0 < memory["free"] < total
    mounts = {
        labels["mountpoint"]
        for labels, _ in _values(host_pipeline, f"system_filesystem_usage_bytes{{{JOB}}}")
    }
    assert "/" in mounts and not any(m.startswith(("/proc", "/sys", "/dev")) for m in mounts)
    devices = {
        labels["device"] for labels, _ in _values(host_pipeline, f"system_network_io_bytes_total{{{JOB}}}")
    }
    assert "lo" not in devices
    running = _values(host_pipeline, f'system_processes_count{{{JOB}, status="running"}}')
    assert running and running[0][1] >= 1


HOST_QUERIES = dashboard_queries_split()[1]


@pytest.mark.parametrize(("title", "expr"), HOST_QUERIES, ids=[title for title, _ in HOST_QUERIES])
def test_host_dashboard_query_returns_data(host_pipeline: HostPipeline, title: str, expr: str) -> None:
    def finite_values() -> list[float]:
        return [value for _, value in _values(host_pipeline, expr) if math.isfinite(value)]

    assert eventually(finite_values, timeout=60), f"{title}: no data for {expr}"


def test_host_row_has_every_scraper() -> None:
    assert len(HOST_QUERIES) == 9  # cpu, load (3 + CPUs), memory, filesystem, network, processes
