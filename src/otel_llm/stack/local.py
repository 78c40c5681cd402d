"""``otel-llm stack up | down | status``: the local collector, Jaeger, Prometheus and Alertmanager.

``up`` records the port plan it used in ``<state dir>/stack.json``; ``stack_endpoints()`` and
``jaeger_trace_url()`` read it back, so the demo finds a stack started with non-default ports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from otel_llm.stack.binaries import collector_binary, jaeger_binary
from otel_llm.stack.layout import state_dir as default_state_dir
from otel_llm.stack.ports import PortPlan
from otel_llm.stack.processes import ManagedProcess, stop_all
from otel_llm.stack.services import (
    alertmanager_service,
    collector_service,
    jaeger_service,
    prometheus_service,
)

PLAN_FILE = "stack.json"


@dataclass(frozen=True)
class Endpoints:
    """Where the local stack listens."""

    otlp_grpc: str
    otlp_http: str
    jaeger_ui: str
    prometheus: str
    alertmanager: str
    collector_metrics: str
    zpages: str

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


def recorded_plan(state: Path | None = None) -> PortPlan:
    """The plan ``up`` recorded, or the plan from the environment when none is recorded."""
    try:
        record = json.loads(((state or default_state_dir()) / PLAN_FILE).read_text())
    except FileNotFoundError:
        return PortPlan.from_env()
    return PortPlan(record["ports"], record["host"])


def stack_endpoints(state: Path | None = None) -> Endpoints:
    """Endpoints of the local stack (an app's ``OTEL_EXPORTER_OTLP_ENDPOINT`` is ``otlp_grpc``)."""
    plan = recorded_plan(state)
    return Endpoints(
        otlp_grpc=plan.url("otlp_grpc"),
        otlp_http=plan.url("otlp_http"),
        jaeger_ui=plan.url("jaeger_ui"),
        prometheus=plan.url("prometheus"),
        alertmanager=plan.url("alertmanager"),
        collector_metrics=plan.url("prometheus_exporter", "/metrics"),
        zpages=plan.url("zpages", "/debug/servicez"),
    )


def jaeger_trace_url(trace_id: int | str, state: Path | None = None, api: bool = False) -> str:
    """Jaeger UI link of one trace (``trace_id`` as int or 32 hex digits); with ``api``, its JSON."""
    hex_id = f"{trace_id:032x}" if isinstance(trace_id, int) else trace_id.lower()
    return recorded_plan(state).url("jaeger_ui", f"/api/traces/{hex_id}" if api else f"/trace/{hex_id}")


def services(plan: PortPlan, state: Path) -> list[ManagedProcess]:
    """Jaeger, the collector, Alertmanager and Prometheus, in start order (binaries built when missing)."""
    return [
        jaeger_service(plan, state, jaeger_binary()),
        collector_service(plan, state, binary=collector_binary()),
        alertmanager_service(plan, state),
        prometheus_service(plan, state),
    ]


SERVICE_PORTS = {
    "jaeger": ("jaeger_otlp_grpc", "jaeger_ui", "jaeger_query_grpc", "jaeger_health", "jaeger_telemetry"),
    "collector": (
        "otlp_grpc",
        "otlp_http",
        "collector_health",
        "collector_telemetry",
        "prometheus_exporter",
        "zpages",
    ),
    "alertmanager": ("alertmanager",),
    "prometheus": ("prometheus",),
}
"""The ports each service listens on (checked free before it starts)."""


def up(plan: PortPlan | None = None, state: Path | None = None, timeout: float = 60.0) -> Endpoints:
    """Build or find the binaries, start the services and wait until each is healthy.

    Raises :class:`~otel_llm.stack.ports.PortBusy` before starting anything when a port of a service
    that is not yet running is taken.
    """
    state = state or default_state_dir()
    state.mkdir(parents=True, exist_ok=True)
    plan = plan or PortPlan.from_env()
    running = {name for name, pid in status(state).items() if pid is not None}
    plan.check_free(port for name, ports in SERVICE_PORTS.items() if name not in running for port in ports)
    (state / PLAN_FILE).write_text(json.dumps({"ports": dict(plan.ports), "host": plan.host}))
    started: list[ManagedProcess] = []
    try:
        for service in services(plan, state):
            if service.name not in running:
                service.start()
                started.append(service)
            service.wait_healthy(timeout)
    except BaseException:
        stop_all(list(reversed(started)))
        raise
    return stack_endpoints(state)


def _recorded_services(state: Path) -> list[ManagedProcess]:
    # Stopping and status only need names and pid files, not binaries or configs.
    return [ManagedProcess(name, [name], state, "") for name in SERVICE_PORTS]


def down(state: Path | None = None) -> dict[str, bool]:
    """Stop the processes ``up`` started (by their pid files); maps service name to 'was running'."""
    state = state or default_state_dir()
    return stop_all(list(reversed(_recorded_services(state))))


def status(state: Path | None = None) -> dict[str, int | None]:
    """Pid of each service if it is running, else None."""
    state = state or default_state_dir()
    return {service.name: service.running_pid() for service in _recorded_services(state)}
