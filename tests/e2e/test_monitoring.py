"""Monitoring content: alert rules under promtool, the dashboard against the real Prometheus, compose."""

from __future__ import annotations

import math
import shutil
import subprocess

import pytest
import yaml

from otel_llm.stack.binaries import promtool_binary
from otel_llm.stack.jaeger_ui import dashboard_queries
from otel_llm.stack.layout import collector_config_dir

from .conftest import LocalPipeline
from .helpers import eventually


@pytest.mark.parametrize(
    ("rules", "tests", "count"),
    [
        ("alerts.yaml", "alerts_test.yaml", 10),
        ("slo.yaml", "slo_test.yaml", 22),
        ("pipeline.yaml", "pipeline_test.yaml", 4),
    ],
)
def test_alert_rules_pass_promtool_unit_tests(rules: str, tests: str, count: int) -> None:
    directory = collector_config_dir() / "prometheus"
    checked = subprocess.run(
        [str(promtool_binary()), "check", "rules", rules], cwd=directory, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {count} rules found" in checked.stdout
    tested = subprocess.run(
        [str(promtool_binary()), "test", "rules", tests],
        cwd=directory,
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


@pytest.mark.parametrize(
    ("rules", "tests", "count"), [("slo", "slo_test", 13), ("pipeline", "pipeline_test", 4)]
)
def test_every_alert_has_a_promtool_test(rules: str, tests: str, count: int) -> None:
    directory = collector_config_dir() / "prometheus"
    groups = yaml.safe_load((directory / f"{rules}.yaml").read_text())["groups"]
    alerts = {rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule}
    cases = yaml.safe_load((directory / f"{tests}.yaml").read_text())["tests"]
    tested = {case["alertname"] for test in cases for case in test.get("alert_rule_test", [])}
    assert alerts == tested
    assert len(alerts) == count


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
