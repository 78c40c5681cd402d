"""The stack's services as :class:`ManagedProcess` objects, placed by a :class:`PortPlan`."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from otel_llm.stack import jaeger_ui
from otel_llm.stack.binaries import alertmanager_binary, collector_binary, jaeger_binary, prometheus_binary
from otel_llm.stack.layout import collector_config_dir
from otel_llm.stack.ports import PortPlan
from otel_llm.stack.processes import ManagedProcess

ALERT_RULES = "prometheus/alerts.yaml"
SLO_RULES = "prometheus/slo.yaml"
PIPELINE_RULES = "prometheus/pipeline.yaml"
SEMCONV_MODE_RULES = "prometheus/semconv_modes.yaml"  # latest-mode metrics under the names the rules query
RULE_FILES = (SEMCONV_MODE_RULES, ALERT_RULES, SLO_RULES, PIPELINE_RULES)
SELF_JOB = "otelcol-llm-self"
"""Prometheus job of the collectors' internal metrics (refused, sent and failed spans, queues)."""
"""Rule files of the stack's Prometheus, in collector-config/."""


def collector_service(
    plan: PortPlan,
    state_dir: Path,
    config: str = "local.yaml",
    name: str = "collector",
    env: Mapping[str, str] | None = None,
    binary: Path | None = None,
    overlays: Sequence[str] = (),
) -> ManagedProcess:
    """``otelcol-llm`` running ``collector-config/<config>`` with its storage and logs under ``state_dir``.

    ``overlays`` are more files of ``collector-config/`` merged over it, in order (the collector's
    repeated ``--config``), such as ``agent-hostmetrics.yaml``.
    """
    storage = state_dir / "storage" / name
    storage.mkdir(parents=True, exist_ok=True)
    config_env = {
        **plan.config_env(),
        "OTEL_LLM_STORAGE_DIR": str(storage),
        "OTEL_LLM_LOGS_FILE": str(state_dir / f"{name}-logs.jsonl"),
        **(env or {}),
    }
    argv = [str(binary or collector_binary())]
    for file in (config, *overlays):
        argv += ["--config", str(collector_config_dir() / file)]
    return ManagedProcess(name, argv, state_dir, plan.url("collector_health", "/"), config_env)


def jaeger_service(
    plan: PortPlan, state_dir: Path, binary: Path | None = None, ui_assets: Path | None = None
) -> ManagedProcess:
    """Jaeger v2 with in-memory storage, OTLP/gRPC in on ``jaeger_otlp_grpc``.

    Its UI serves ``ui_assets`` (default: ``$OTEL_LLM_JAEGER_UI_ASSETS``, else Jaeger's placeholder)
    with our UI config, written into ``state_dir``.
    """
    config = collector_config_dir() / "jaeger" / "jaeger.yaml"
    argv = [str(binary or jaeger_binary()), "--config", str(config)]
    health = plan.url("jaeger_ui", "/api/services")
    assets = ui_assets or jaeger_ui.ui_assets()
    env = {
        **plan.config_env(),
        jaeger_ui.CONFIG_ENV: str(jaeger_ui.write_ui_config(plan, state_dir)),
        jaeger_ui.ASSETS_ENV: str(assets) if assets else "",
    }
    return ManagedProcess("jaeger", argv, state_dir, health, env)


def prometheus_config(
    targets: Sequence[str],
    scrape_interval: str,
    rule_files: Sequence[Path],
    alertmanagers: Sequence[str] = (),
    self_targets: Sequence[str] = (),
) -> str:
    """prometheus.yml scraping the collectors' exporters at ``targets``, alerting ``alertmanagers``.

    ``self_targets`` are the collectors' own telemetry endpoints (job ``otelcol-llm-self``).
    """
    config: dict[str, Any] = {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [
            # honor_labels keeps job/instance = the app's service.name/service.instance.id
            {"job_name": "otelcol-llm", "honor_labels": True, "static_configs": [{"targets": list(targets)}]}
        ],
    }
    if self_targets:
        config["scrape_configs"].append(
            {"job_name": SELF_JOB, "static_configs": [{"targets": list(self_targets)}]}
        )
    if alertmanagers:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": list(alertmanagers)}]}]}
    return yaml.safe_dump(config, sort_keys=False)


def prometheus_service(
    plan: PortPlan,
    state_dir: Path,
    targets: Sequence[str] | None = None,
    scrape_interval: str | None = None,
    rule_files: Sequence[Path] | None = None,
    alerting: bool = True,
) -> ManagedProcess:
    """Prometheus scraping ``targets`` (default: this plan's collector exporter), with our alert rules.

    By default it also scrapes the plan's collector's own metrics; with ``alerting``, alerts go to the
    plan's Alertmanager.
    """
    data_dir = state_dir / "prometheus-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    config_file = state_dir / "prometheus.yml"
    interval = scrape_interval or os.environ.get("OTEL_LLM_SCRAPE_INTERVAL", "5s")
    config_file.write_text(
        prometheus_config(
            targets or [plan.address("prometheus_exporter")],
            interval,
            rule_files if rule_files is not None else [collector_config_dir() / f for f in RULE_FILES],
            [plan.address("alertmanager")] if alerting else [],
            [plan.address("collector_telemetry")] if targets is None else [],
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


WEBHOOK_ENV = "OTEL_LLM_ALERT_WEBHOOK_URL"


def alertmanager_config(webhook_url: str | None, group_wait: str = "30s") -> str:
    """alertmanager.yml: every alert to one receiver, a webhook when ``webhook_url`` is given."""
    receiver: dict[str, Any] = {"name": "otel-llm"}
    if webhook_url:
        receiver["webhook_configs"] = [{"url": webhook_url, "send_resolved": True}]
    config = {
        "route": {
            "receiver": "otel-llm",
            "group_by": ["alertname", "job", "gen_ai_provider_name", "gen_ai_request_model"],
            "group_wait": group_wait,
            "group_interval": "5m",
            "repeat_interval": "4h",
        },
        "receivers": [receiver],
    }
    return yaml.safe_dump(config, sort_keys=False)


def alertmanager_service(
    plan: PortPlan, state_dir: Path, webhook_url: str | None = None, group_wait: str = "30s"
) -> ManagedProcess:
    """Alertmanager (one node, no cluster) sending to ``webhook_url`` (or ``$OTEL_LLM_ALERT_WEBHOOK_URL``)."""
    data_dir = state_dir / "alertmanager-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    config_file = state_dir / "alertmanager.yml"
    config_file.write_text(alertmanager_config(webhook_url or os.environ.get(WEBHOOK_ENV), group_wait))
    argv = [
        str(alertmanager_binary()),
        f"--config.file={config_file}",
        f"--storage.path={data_dir}",
        f"--web.listen-address={plan.address('alertmanager')}",
        "--cluster.listen-address=",
    ]
    return ManagedProcess("alertmanager", argv, state_dir, plan.url("alertmanager", "/-/ready"))
