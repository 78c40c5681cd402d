"""Session fixtures that build (or reuse) the binaries and run the real processes on loopback.

Ports are ephemeral, so the tests run beside a user's own ``otel-llm stack``. Every process a
fixture starts is stopped by that fixture, by its own pid.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from otel_llm.stack.binaries import collector_binary, jaeger_binary
from otel_llm.stack.local import SERVICE_PORTS
from otel_llm.stack.ports import PortPlan
from otel_llm.stack.processes import ManagedProcess, stop_all
from otel_llm.stack.services import collector_service, jaeger_service, prometheus_service

from ..monitoring import fake_nvml
from .helpers import Call, Jaeger, Prometheus, run_workload, workload_env

CONTENT_MAX_CHARS = 4000
"""Truncation size the local pipeline runs with in these tests (OTEL_LLM_CONTENT_MAX_CHARS)."""

FAST_PIPELINE = {
    "OTEL_LLM_BATCH_TIMEOUT": "200ms",
    "OTEL_LLM_SPANMETRICS_FLUSH_INTERVAL": "1s",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: runs the real collector, Jaeger and Prometheus processes")


class Processes:
    """Starts managed processes, waits until healthy, and stops all of them at the end."""

    def __init__(self) -> None:
        self.started: list[ManagedProcess] = []

    def start(self, service: ManagedProcess, timeout: float = 60.0) -> ManagedProcess:
        self.started.append(service)
        service.start()
        service.wait_healthy(timeout)
        return service

    def stop_all(self) -> None:
        stop_all(list(reversed(self.started)))


@pytest.fixture(scope="session")
def binaries() -> tuple[Path, Path]:
    """otelcol-llm and Jaeger from the build cache (built on first use: minutes, see docs/pipeline.md)."""
    return collector_binary(), jaeger_binary()


@pytest.fixture(scope="session")
def processes() -> Iterator[Processes]:
    running = Processes()
    yield running
    running.stop_all()


@pytest.fixture(scope="session")
def plan() -> PortPlan:
    return PortPlan.ephemeral()


@pytest.fixture(scope="session")
def jaeger(binaries: tuple[Path, Path], processes: Processes, plan: PortPlan, tmp_path_factory) -> Jaeger:
    """One Jaeger for the whole session; tests tell their traces apart by trace ID."""
    processes.start(jaeger_service(plan, tmp_path_factory.mktemp("jaeger"), binaries[1]))
    return Jaeger(plan.url("jaeger_ui"))


@dataclass(frozen=True)
class LocalPipeline:
    """local.yaml's collector + Prometheus, after one run of the workload."""

    jaeger: Jaeger
    prometheus: Prometheus
    calls: list[Call]
    collector: ManagedProcess
    logs_file: Path
    otlp_http: str


@pytest.fixture(scope="session")
def local_pipeline(
    binaries: tuple[Path, Path], processes: Processes, plan: PortPlan, jaeger: Jaeger, tmp_path_factory
) -> LocalPipeline:
    state = tmp_path_factory.mktemp("local")
    env = {**FAST_PIPELINE, "OTEL_LLM_CONTENT_MAX_CHARS": str(CONTENT_MAX_CHARS)}
    collector = processes.start(collector_service(plan, state, "local.yaml", env=env, binary=binaries[0]))
    processes.start(prometheus_service(plan, state, scrape_interval="1s", alerting=False))
    Prometheus(plan.url("prometheus")).wait_scraping()
    # The workload's GPU metrics come from the fake NVML (tests/monitoring/fake_nvml.c), found by soname.
    nvml = fake_nvml.build(state).parent
    workload = {**workload_env(plan.url("otlp_http"), "e2e-local"), "LD_LIBRARY_PATH": str(nvml)}
    calls = run_workload(workload, "--rounds", "4", "--interval", "1")
    return LocalPipeline(
        jaeger,
        Prometheus(plan.url("prometheus")),
        calls,
        collector,
        state / "collector-logs.jsonl",
        plan.url("otlp_http"),
    )


@dataclass(frozen=True)
class ScaleOut:
    """agent.yaml in front of two gateway.yaml collectors, all sending to the session's Jaeger."""

    agent: ManagedProcess
    gateways: list[ManagedProcess]
    agent_plan: PortPlan
    gateway_plans: list[PortPlan]


def collector_plan(jaeger_plan: PortPlan) -> PortPlan:
    """Free ports for one more collector, exporting to the Jaeger of ``jaeger_plan``."""
    to_jaeger = {"jaeger_otlp_grpc": jaeger_plan["jaeger_otlp_grpc"]}
    return PortPlan({**PortPlan.ephemeral(SERVICE_PORTS["collector"]).ports, **to_jaeger})


@pytest.fixture
def own_collector(
    binaries: tuple[Path, Path], processes: Processes, plan: PortPlan, jaeger: Jaeger, tmp_path: Path
) -> Iterator[PortPlan]:
    """A local.yaml collector of the test's own, to the session's Jaeger: a test's workload sent here
    leaves the shared local pipeline's metrics (whose counts other tests assert) untouched."""
    own = collector_plan(plan)
    service = collector_service(own, tmp_path, "local.yaml", env=FAST_PIPELINE, binary=binaries[0])
    collector = processes.start(service)
    yield own
    collector.stop()


def scale_out(
    binaries: tuple[Path, Path],
    processes: Processes,
    jaeger_plan: PortPlan,
    state: Path,
    sampling_percentage: int,
) -> ScaleOut:
    """Start two gateways (tail sampling at ``sampling_percentage`` for the rest) and an agent."""
    gateway_plans = [collector_plan(jaeger_plan) for _ in range(2)]
    gateway_env = {
        **FAST_PIPELINE,
        "OTEL_LLM_SLOW_CALL_MS": "1000",
        "OTEL_LLM_DECISION_WAIT": "3s",
        "OTEL_LLM_SAMPLING_PERCENTAGE": str(sampling_percentage),
    }
    gateways = [
        processes.start(
            collector_service(
                gateway_plan, state, "gateway.yaml", f"gateway{index}", gateway_env, binaries[0]
            )
        )
        for index, gateway_plan in enumerate(gateway_plans, start=1)
    ]
    agent_plan = PortPlan.ephemeral(SERVICE_PORTS["collector"])
    endpoints = ", ".join(plan.address("otlp_grpc") for plan in gateway_plans)
    agent_env = {**FAST_PIPELINE, "OTEL_LLM_GATEWAY_ENDPOINTS": f"[{endpoints}]"}
    agent = processes.start(
        collector_service(agent_plan, state, "agent.yaml", "agent", agent_env, binaries[0])
    )
    return ScaleOut(agent, gateways, agent_plan, gateway_plans)


@pytest.fixture(scope="session")
def sampled_scale_out(binaries, processes, plan, jaeger, tmp_path_factory) -> ScaleOut:
    """Agent + two gateways that keep only the traces a rule keeps (probabilistic share 0%)."""
    return scale_out(binaries, processes, plan, tmp_path_factory.mktemp("sampled"), sampling_percentage=0)


@pytest.fixture(scope="session")
def keep_all_scale_out(binaries, processes, plan, jaeger, tmp_path_factory) -> ScaleOut:
    """Agent + two gateways that keep every trace (probabilistic share 100%): for the restart test."""
    return scale_out(binaries, processes, plan, tmp_path_factory.mktemp("keep-all"), sampling_percentage=100)
