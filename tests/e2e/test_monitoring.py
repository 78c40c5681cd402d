"""Monitoring content: alert rules under promtool, the dashboard against the real Prometheus, compose."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import pytest
import yaml

from otel_llm.stack.binaries import promtool_binary
from otel_llm.stack.layout import collector_config_dir

from .conftest import LocalPipeline
from .helpers import eventually

DASHBOARD = collector_config_dir() / "grafana" / "dashboards" / "otel-llm-genai.json"
PANEL_VARIABLES = {"$__rate_interval": "5m", "$__range": "10m", "$provider": ".*", "$model": ".*"}


def dashboard_queries() -> list[tuple[str, str]]:
    """(panel title, PromQL with Grafana's variables filled in) for every target of every panel."""
    dashboard = json.loads(DASHBOARD.read_text())
    queries = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = target["expr"]
            for variable, value in PANEL_VARIABLES.items():
                expr = expr.replace(variable, value)
            assert "$" not in expr, f"unhandled variable in {panel['title']!r}: {expr}"
            queries.append((f"{panel['title']} [{target['refId']}]", expr))
    return queries


def test_alert_rules_pass_promtool_unit_tests() -> None:
    rules = collector_config_dir() / "prometheus"
    checked = subprocess.run(
        [str(promtool_binary()), "check", "rules", "alerts.yaml"], cwd=rules, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 10 rules found" in checked.stdout
    tested = subprocess.run(
        [str(promtool_binary()), "test", "rules", "alerts_test.yaml"],
        cwd=rules,
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_alert_rules_cover_error_rate_latency_cost_and_ttft() -> None:
    groups = yaml.safe_load((collector_config_dir() / "prometheus" / "alerts.yaml").read_text())["groups"]
    alerts = {rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule}
    assert alerts == {
        "GenAIHighErrorRate",
        "GenAILatencySLOBreach",
        "GenAICostBurn",
        "GenAITimeToFirstTokenRegression",
    }


def test_dashboard_has_the_required_panels() -> None:
    titles = [title for title, _ in dashboard_queries()]
    for needed in (
        "Requests",
        "Errors",
        "Latency p50 / p95 / p99",
        "Time to first token",
        "tokens",
        "Cost",
        "Guardrail",
        "Evaluation",
    ):
        assert any(needed.lower() in title.lower() for title in titles), needed


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("title", "expr"), dashboard_queries(), ids=[title for title, _ in dashboard_queries()]
)
def test_dashboard_query_returns_data(local_pipeline: LocalPipeline, title: str, expr: str) -> None:
    def finite_values() -> list[float]:
        values = [float(row["value"][1]) for row in local_pipeline.prometheus.query(expr)]
        return [value for value in values if math.isfinite(value)]

    assert eventually(finite_values, timeout=20), f"{title}: no data for {expr}"


def _compose_command() -> list[str] | None:
    """``docker compose`` (v2 plugin), else the standalone ``docker-compose``; both validate offline."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


@pytest.mark.skipif(
    _compose_command() is None, reason="neither docker compose nor docker-compose is installed"
)
def test_compose_file_is_valid() -> None:
    compose = collector_config_dir() / "docker-compose.yaml"
    result = subprocess.run(
        [*_compose_command(), "-f", str(compose), "config", "--quiet"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_compose_mounts_files_that_exist() -> None:
    compose = yaml.safe_load((collector_config_dir() / "docker-compose.yaml").read_text())
    mounts = [
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
    ]
    assert mounts and all((collector_config_dir() / mount).exists() for mount in mounts)
