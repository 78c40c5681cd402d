"""Loopback port plan of the local stack (collector, Jaeger, Prometheus, Alertmanager).

The upstream defaults of all three collide (4317, 4318, 8888, 13133), so each port has its own
``OTEL_LLM_*_PORT`` variable. The collector and Jaeger configs read the same variables through
``${env:...}`` substitution, so one plan places every process.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PortSpec:
    """One configurable port: the variable that sets it, its default and what listens on it."""

    env: str
    default: int
    purpose: str


PORT_SPECS: dict[str, PortSpec] = {
    "otlp_grpc": PortSpec("OTEL_LLM_OTLP_GRPC_PORT", 4317, "collector OTLP/gRPC receiver (apps send here)"),
    "otlp_http": PortSpec("OTEL_LLM_OTLP_HTTP_PORT", 4318, "collector OTLP/HTTP receiver (apps send here)"),
    "collector_health": PortSpec("OTEL_LLM_COLLECTOR_HEALTH_PORT", 13133, "collector health_check"),
    "collector_telemetry": PortSpec("OTEL_LLM_COLLECTOR_TELEMETRY_PORT", 8888, "collector self-metrics"),
    "prometheus_exporter": PortSpec("OTEL_LLM_PROMETHEUS_EXPORTER_PORT", 8889, "prometheus exporter"),
    "zpages": PortSpec("OTEL_LLM_ZPAGES_PORT", 55679, "collector zpages"),
    "jaeger_otlp_grpc": PortSpec("OTEL_LLM_JAEGER_OTLP_GRPC_PORT", 14317, "Jaeger OTLP/gRPC receiver"),
    "jaeger_ui": PortSpec("OTEL_LLM_JAEGER_UI_PORT", 16686, "Jaeger UI and HTTP query API"),
    "jaeger_query_grpc": PortSpec("OTEL_LLM_JAEGER_QUERY_GRPC_PORT", 16685, "Jaeger gRPC query API"),
    "jaeger_health": PortSpec("OTEL_LLM_JAEGER_HEALTH_PORT", 14133, "Jaeger health check"),
    "jaeger_telemetry": PortSpec("OTEL_LLM_JAEGER_TELEMETRY_PORT", 14888, "Jaeger's own metrics"),
    "prometheus": PortSpec("OTEL_LLM_PROMETHEUS_PORT", 9090, "Prometheus UI and HTTP API"),
    "alertmanager": PortSpec("OTEL_LLM_ALERTMANAGER_PORT", 9093, "Alertmanager UI and HTTP API"),
}


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Ports the kernel reports free right now (all held open together, so they are distinct)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def port_in_use(host: str, port: int) -> bool:
    """True when something listens on (or holds) ``host:port``; a port left in TIME_WAIT counts as free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


class PortBusy(RuntimeError):
    """Ports of the plan are taken by another process."""


@dataclass(frozen=True)
class PortPlan:
    """Concrete ports for every process of one stack, all on ``host``."""

    ports: Mapping[str, int]
    host: str = "127.0.0.1"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PortPlan:
        """Defaults overridden by any ``OTEL_LLM_*_PORT`` variable that is set."""
        environ = os.environ if environ is None else environ
        return cls({name: int(environ.get(spec.env, spec.default)) for name, spec in PORT_SPECS.items()})

    @classmethod
    def ephemeral(cls, names: Iterable[str] = PORT_SPECS) -> PortPlan:
        """A plan of free ports (for tests running beside a user's own stack)."""
        names = list(names)
        return cls(dict(zip(names, free_ports(len(names)), strict=True)))

    def __getitem__(self, name: str) -> int:
        return self.ports[name]

    def address(self, name: str) -> str:
        return f"{self.host}:{self.ports[name]}"

    def url(self, name: str, path: str = "") -> str:
        return f"http://{self.address(name)}{path}"

    def check_free(self, names: Iterable[str]) -> None:
        """Raise :class:`PortBusy` naming each busy port of ``names`` and the variable that moves it."""
        busy = [name for name in names if port_in_use(self.host, self.ports[name])]
        if busy:
            raise PortBusy(
                "; ".join(
                    f"port {self.ports[name]} ({PORT_SPECS[name].purpose}) is in use on {self.host}: "
                    f"set {PORT_SPECS[name].env} to a free port"
                    for name in busy
                )
            )

    def config_env(self) -> dict[str, str]:
        """Variables the collector and Jaeger configs substitute."""
        env = {PORT_SPECS[name].env: str(port) for name, port in self.ports.items() if name in PORT_SPECS}
        env["OTEL_LLM_LISTEN_HOST"] = self.host
        if "jaeger_otlp_grpc" in self.ports:
            env["OTEL_LLM_JAEGER_ENDPOINT"] = self.address("jaeger_otlp_grpc")
        return env
