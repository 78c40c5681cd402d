"""The stack's three services as :class:`ManagedProcess` objects, placed by a :class:`PortPlan`."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from otel_llm.stack.binaries import collector_binary, jaeger_binary, prometheus_binary
from otel_llm.stack.layout import collector_config_dir
from otel_llm.stack.ports import PortPlan
from otel_llm.stack.processes import ManagedProcess

ALERT_RULES = "prometheus/alerts.yaml"


def collector_service(
    plan: PortPlan,
    state_dir: Path,
    config: str = "local.yaml",
    name: str = "collector",
    env: Mapping[str, str] | None = None,
    binary: Path | None = None,
) -> ManagedProcess:
    """``otelcol-llm`` running ``collector-config/<config>`` with its storage and logs under ``state_dir``."""
    storage = state_dir / "storage" / name
    storage.mkdir(parents=True, exist_ok=True)
    config_env = {
        **plan.config_env(),
        "OTEL_LLM_STORAGE_DIR": str(storage),
        "OTEL_LLM_LOGS_FILE": str(state_dir / f"{name}-logs.jsonl"),
        **(env or {}),
    }
    argv = [str(binary or collector_binary()), "--config", str(collector_config_dir() / config)]
    return ManagedProcess(name, argv, state_dir, plan.url("collector_health", "/"), config_env)


def jaeger_service(plan: PortPlan, state_dir: Path, binary: Path | None = None) -> ManagedProcess:
    """Jaeger v2 with in-memory storage, OTLP/gRPC in on ``jaeger_otlp_grpc``."""
    config = collector_config_dir() / "jaeger" / "jaeger.yaml"
    argv = [str(binary or jaeger_binary()), "--config", str(config)]
    health = plan.url("jaeger_ui", "/api/services")
    return ManagedProcess("jaeger", argv, state_dir, health, plan.config_env())


def prometheus_config(targets: Sequence[str], scrape_interval: str, rule_files: Sequence[Path]) -> str:
    """prometheus.yml scraping the collectors' prometheus exporters at ``targets``."""
    config = {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [
            # honor_labels keeps job/instance = the app's service.name/service.instance.id
            {"job_name": "otelcol-llm", "honor_labels": True, "static_configs": [{"targets": list(targets)}]}
        ],
    }
    return yaml.safe_dump(config, sort_keys=False)


def prometheus_service(
    plan: PortPlan,
    state_dir: Path,
    targets: Sequence[str] | None = None,
    scrape_interval: str | None = None,
) -> ManagedProcess:
    """Prometheus scraping ``targets`` (default: this plan's collector exporter), with our alert rules."""
    data_dir = state_dir / "prometheus-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    config_file = state_dir / "prometheus.yml"
    interval = scrape_interval or os.environ.get("OTEL_LLM_SCRAPE_INTERVAL", "5s")
    config_file.write_text(
        prometheus_config(
            targets or [plan.address("prometheus_exporter")],
            interval,
            [collector_config_dir() / ALERT_RULES],
        )
    )
    argv = [
        str(prometheus_binary()),
        f"--config.file={config_file}",
        f"--storage.tsdb.path={data_dir}",
        f"--web.listen-address={plan.address('prometheus')}",
        "--storage.tsdb.retention.time=2d",
    ]
    return ManagedProcess("prometheus", argv, state_dir, plan.url("prometheus", "/-/ready"))
