"""Clients for the real processes: Jaeger's and Prometheus' HTTP APIs, and the workload subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from otel_llm.stack.jaeger_ui import DASHBOARD, dashboard_queries
from otel_llm.stack.layout import collector_config_dir

WORKLOAD = Path(__file__).with_name("workload.py")
T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.5) -> T:
    """The first truthy result of ``probe`` within ``timeout`` seconds (else AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last result: {result!r})")
        time.sleep(interval)


@dataclass(frozen=True)
class Call:
    """One call the workload made, as it reported it."""

    kind: str
    trace_id: str
    parent_span_id: str
    model: str
    ok: bool


SERVICE_VERSION = "1.4.2"
ENVIRONMENT = "e2e"


def workload_env(otlp_http_endpoint: str, service_name: str) -> dict[str, str]:
    """The workload's environment: ours, without any OTEL_* variable of the test session."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    env.update(
        {
            "OTEL_SERVICE_NAME": service_name,
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_http_endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_AND_EVENT",
            "OTEL_METRIC_EXPORT_INTERVAL": "500",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "OTEL_BLRP_SCHEDULE_DELAY": "200",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "30",  # seconds: room for a CPU-starved collector on CI
            "OTEL_RESOURCE_ATTRIBUTES": (
                f"service.version={SERVICE_VERSION},deployment.environment.name={ENVIRONMENT}"
            ),
        }
    )
    return env


class Workload:
    """The workload subprocess; its calls can be read while it runs."""

    def __init__(self, env: Mapping[str, str], *args: str) -> None:
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by finish()
        self.process = subprocess.Popen(
            [sys.executable, str(WORKLOAD), *args],
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )

    def read_calls(self, count: int) -> list[Call]:
        """Block until the workload reported ``count`` more calls."""
        assert self.process.stdout is not None
        calls = []
        while len(calls) < count:
            line = self.process.stdout.readline()
            assert line, f"workload ended early:\n{self._error_output()}"
            if line.startswith("{"):
                calls.append(Call(**json.loads(line)))
        return calls

    def finish(self, timeout: float = 120.0) -> list[Call]:
        """The calls not read yet, once the workload exited successfully."""
        stdout, _ = self.process.communicate(timeout=timeout)
        assert self.process.returncode == 0, (
            f"workload failed ({self.process.returncode}):\n{self._error_output()}"
        )
        self._stderr.close()
        return [Call(**json.loads(line)) for line in stdout.splitlines() if line.startswith("{")]

    def _error_output(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-3000:]


def run_workload(env: Mapping[str, str], *args: str) -> list[Call]:
    return Workload(env, *args).finish()


class Jaeger:
    """Jaeger's HTTP query API (the one its UI uses)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def trace(self, trace_id: str) -> dict[str, Any] | None:
        """The trace as Jaeger's JSON (``spans``, ``processes``), or None when Jaeger has no such trace."""
        response = httpx.get(f"{self.base_url}/api/traces/{trace_id}", timeout=10)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        data = response.json()["data"]
        return data[0] if data else None

    def wait_for_trace(self, trace_id: str, spans: int, timeout: float = 30.0) -> dict[str, Any]:
        """The trace once it holds at least ``spans`` spans."""

        def complete() -> dict[str, Any] | None:
            found = self.trace(trace_id)
            return found if found and len(found["spans"]) >= spans else None

        return eventually(complete, timeout)

    def services(self) -> list[str]:
        return httpx.get(f"{self.base_url}/api/services", timeout=10).json()["data"] or []


def span_tags(span: Mapping[str, Any]) -> dict[str, Any]:
    return {tag["key"]: tag["value"] for tag in span["tags"]}


def span_named(trace: Mapping[str, Any], name: str) -> dict[str, Any]:
    (span,) = [span for span in trace["spans"] if span["operationName"] == name]
    return span


class Prometheus:
    """Prometheus' HTTP query API."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def query(self, promql: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.base_url}/api/v1/query", params={"query": promql}, timeout=10)
        body = response.json()
        assert body["status"] == "success", f"{promql}: {body}"
        return body["data"]["result"]

    def wait_scraping(self, timeout: float = 60.0) -> None:
        """Until every target has been scraped: Prometheus applies new targets only every 5 s, and rate()
        sees no rise that happened before a series' first scrape."""

        def all_up() -> bool:
            response = httpx.get(f"{self.base_url}/api/v1/targets", params={"state": "active"}, timeout=10)
            targets = response.json()["data"]["activeTargets"]
            return bool(targets) and all(target["health"] == "up" for target in targets)

        eventually(all_up, timeout=timeout)

    def series_labels(self, metric: str) -> list[dict[str, str]]:
        response = httpx.get(f"{self.base_url}/api/v1/series", params={"match[]": metric}, timeout=10)
        return response.json()["data"]


HOST_ROW = "Host (hostmetrics receiver: agent-hostmetrics.yaml)"
"""The dashboard row whose panels read the agent overlay's host metrics (tests/e2e/test_hostmetrics.py)."""


def host_panel_titles() -> set[str]:
    """Titles of the panels in the dashboard's host row (from that row to the next)."""
    titles: set[str] = set()
    in_row = False
    for panel in json.loads((collector_config_dir() / DASHBOARD).read_text())["panels"]:
        if panel["type"] == "row":
            in_row = panel["title"] == HOST_ROW
        elif in_row:
            titles.add(panel["title"])
    return titles


def dashboard_queries_split() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The dashboard's queries: (those the local pipeline's workload feeds, the host row's)."""
    host = host_panel_titles()
    queries = dashboard_queries()
    in_host = [(title, expr) for title, expr in queries if title.rsplit(" [", 1)[0] in host]
    return [query for query in queries if query not in in_host], in_host
