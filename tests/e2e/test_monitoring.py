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
from .helpers import dashboard_queries_split, eventually


@pytest.mark.parametrize(
    ("rules", "tests", "count"),
    [
        ("alerts.yaml", "alerts_test.yaml", 10),
        ("slo.yaml", "slo_test.yaml", 22),
        ("pipeline.yaml", "pipeline_test.yaml", 4),
        ("semconv_modes.yaml", "semconv_modes_test.yaml", 12),
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


LOCAL_QUERIES = dashboard_queries_split()[0]
"""Every panel's query but the host row's, which test_hostmetrics.py runs against the agent overlay."""


@pytest.mark.e2e
@pytest.mark.parametrize(("title", "expr"), LOCAL_QUERIES, ids=[title for title, _ in LOCAL_QUERIES])
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


def _series(local_pipeline: LocalPipeline, promql: str) -> dict[tuple, float]:
    def rows() -> list:
        return local_pipeline.prometheus.query(promql)

    found = eventually(rows, timeout=20)
    assert found, f"no data for {promql}"
    return {tuple(sorted(row["metric"].items())): float(row["value"][1]) for row in found}


@pytest.mark.e2e
def test_process_metrics_arrive_with_the_convention_names(local_pipeline: LocalPipeline) -> None:
    selector = '{job="e2e-local"}'
    cpu = _series(local_pipeline, f"sum by (cpu_mode) (process_cpu_time_seconds_total{selector})")
    assert set(cpu) == {(("cpu_mode", "system"),), (("cpu_mode", "user"),)}
    for name in (
        "process_memory_usage_bytes",
        "process_memory_virtual_bytes",
        "process_thread_count",
        "process_unix_file_descriptor_count",
        "process_cpu_utilization_ratio",
        "process_uptime_seconds",
    ):
        assert all(value >= 0 for value in _series(local_pipeline, f"{name}{selector}").values()), name
    generations = _series(
        local_pipeline, f"sum by (cpython_gc_generation) (cpython_gc_collections_total{selector})"
    )
    assert {dict(key)["cpython_gc_generation"] for key in generations} == {"0", "1", "2"}


@pytest.mark.e2e
def test_gpu_metrics_arrive_from_nvml_with_exact_values(local_pipeline: LocalPipeline) -> None:
    def by_device(name: str) -> dict[str, float]:
        found = _series(local_pipeline, f'{name}{{job="e2e-local"}}')
        return {dict(key).get("hw_id") or dict(key)["hw_parent"]: value for key, value in found.items()}

    gib = 1024**3
    assert by_device("hw_gpu_utilization_ratio") == {"GPU-fake-0": 0.37, "GPU-fake-1": 0.8}
    assert by_device("hw_gpu_memory_usage_bytes") == {"GPU-fake-0": 4 * gib, "GPU-fake-1": 60 * gib}
    assert by_device("hw_gpu_memory_limit_bytes") == {"GPU-fake-0": 16 * gib, "GPU-fake-1": 80 * gib}
    assert by_device("hw_power_watts") == {"GPU-fake-0": 70.5}
    assert by_device("hw_energy_joules_total") == {"GPU-fake-0": 123456.789, "GPU-fake-1": 5.0}
    temperatures = _series(local_pipeline, 'hw_temperature_celsius{job="e2e-local"}')
    assert {dict(key)["hw_parent"]: value for key, value in temperatures.items()} == {
        "GPU-fake-0": 61.0,
        "GPU-fake-1": 70.0,
    }
    (labels,) = local_pipeline.prometheus.series_labels('hw_gpu_utilization_ratio{hw_id="GPU-fake-0"}')
    assert {key: labels[key] for key in ("hw_type", "hw_vendor", "hw_model", "hw_name", "hw_gpu_task")} == {
        "hw_type": "gpu",
        "hw_vendor": "NVIDIA",
        "hw_model": "Fake Tesla T4",
        "hw_name": "gpu0",
        "hw_gpu_task": "general",
    }


@pytest.mark.e2e
def test_prompt_versions_and_resource_labels_reach_prometheus(local_pipeline: LocalPipeline) -> None:
    from .helpers import ENVIRONMENT, SERVICE_VERSION
    from .workload import PROMPT_NAME, VERSIONED_MODEL

    rounds = 4
    calls = _series(
        local_pipeline,
        "sum by (gen_ai_prompt_name, gen_ai_prompt_version, deployment_environment_name, service_version) "
        f'(gen_ai_client_operation_duration_seconds_count{{gen_ai_request_model="{VERSIONED_MODEL}"}})',
    )
    common = (("deployment_environment_name", ENVIRONMENT),)
    assert calls == {
        (
            *common,
            ("gen_ai_prompt_name", PROMPT_NAME),
            ("gen_ai_prompt_version", version),
            ("service_version", SERVICE_VERSION),
        ): rounds
        for version in ("v1", "v2")
    }


@pytest.mark.e2e
def test_unbounded_labels_are_summed_away_in_the_collector(local_pipeline: LocalPipeline) -> None:
    series = local_pipeline.prometheus.series_labels(
        'gen_ai_client_operation_duration_seconds_count{job="e2e-local"}'
    )
    assert series
    dropped = {"server_port", "openai_response_system_fingerprint"}
    assert not [labels for labels in series if dropped & set(labels)]
    assert all(labels.get("server_address") == "127.0.0.1" for labels in series)
