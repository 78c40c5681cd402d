"""The distribution and its configs: components match the manifest, every config validates."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from otel_llm.stack.binaries import collector_manifest
from otel_llm.stack.layout import collector_config_dir

pytestmark = pytest.mark.e2e

CONFIGS = ["local.yaml", "agent.yaml", "gateway.yaml"]


@pytest.mark.parametrize("config", CONFIGS)
def test_config_passes_otelcol_llm_validate(binaries: tuple[Path, Path], config: str) -> None:
    result = subprocess.run(
        [str(binaries[0]), "validate", "--config", str(collector_config_dir() / config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_agent_with_hostmetrics_overlay_passes_validate(binaries: tuple[Path, Path]) -> None:
    configs = ["agent.yaml", "agent-hostmetrics.yaml"]
    argv = [str(binaries[0]), "validate"]
    for config in configs:
        argv += ["--config", str(collector_config_dir() / config)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_invalid_config_fails_validation(binaries: tuple[Path, Path], tmp_path: Path) -> None:
    broken = yaml.safe_load((collector_config_dir() / "local.yaml").read_text())
    broken["service"]["pipelines"]["traces"]["processors"].append("tail_sampling/undefined")
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    result = subprocess.run(
        [str(binaries[0]), "validate", "--config", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "tail_sampling/undefined" in result.stderr


def test_jaeger_config_passes_validate(binaries: tuple[Path, Path]) -> None:
    config = collector_config_dir() / "jaeger" / "jaeger.yaml"
    result = subprocess.run(
        [str(binaries[1]), "validate", "--config", str(config)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_distribution_holds_exactly_the_manifest_components(binaries: tuple[Path, Path]) -> None:
    listed = yaml.safe_load(
        subprocess.run(
            [str(binaries[0]), "components"], capture_output=True, text=True, check=True, timeout=60
        ).stdout
    )
    manifest = yaml.safe_load(collector_manifest().read_text())
    for kind in ("receivers", "processors", "exporters", "connectors", "extensions"):
        modules = {entry["module"].split(" ")[0] for entry in listed[kind]}
        assert modules == {entry["gomod"].split(" ")[0] for entry in manifest[kind]}, kind
    assert {entry["module"].split(" ")[0] for entry in listed["providers"]} == {
        entry["gomod"].split(" ")[0] for entry in manifest["providers"]
    }
    assert {entry["name"] for entry in listed["processors"]} == {
        "memory_limiter",
        "batch",
        "resource",
        "attributes",
        "transform",
        "filter",
        "redaction",
        "tail_sampling",
    }
