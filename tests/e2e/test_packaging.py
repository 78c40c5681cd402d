"""``otel-llm stack`` from a regular (non-editable) install: the configs ship as package data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from otel_llm.stack.binaries import collector_binary_path, jaeger_binary_path
from otel_llm.stack.layout import collector_config_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The package built as a wheel and installed (no deps, not editable) into a directory of its own."""
    work = tmp_path_factory.mktemp("wheel")
    # built from a copy, so no build/ directory is left in (or reused from) the checkout
    source = work / "source"
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(work), str(source)], check=True)
    (wheel,) = work.glob("otel_llm-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(work / "site"), str(wheel)], check=True)
    return wheel


def test_wheel_ships_every_config_file(installed: Path) -> None:
    shipped = {
        name.removeprefix("otel_llm/collector-config/")
        for name in zipfile.ZipFile(installed).namelist()
        if name.startswith("otel_llm/collector-config/")
    }
    source = {
        path.relative_to(collector_config_dir()).as_posix()
        for path in collector_config_dir().rglob("*")
        if path.is_file()
    }
    assert {"builder-config.yaml", "jaeger/go.mod", "jaeger/go.sum", "local.yaml"} <= source
    assert shipped == source


def test_installed_stack_finds_its_configs_and_the_same_cached_binaries(
    installed: Path, tmp_path: Path
) -> None:
    site = installed.parent / "site"
    probe = (
        "import otel_llm.stack.binaries as b, otel_llm.stack.layout as l;"
        "print(l.collector_config_dir()); print(b.collector_binary_path()); print(b.jaeger_binary_path())"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_LLM_")}
    env["PYTHONPATH"] = str(site)  # ahead of the editable install of this checkout
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    config_dir, collector, jaeger = result.stdout.split()
    assert Path(config_dir) == site / "otel_llm" / "collector-config"
    # the content keys match the checkout's, so a regular install reuses binaries built from a checkout
    assert (Path(collector).name, Path(jaeger).name) == (
        collector_binary_path().name,
        jaeger_binary_path().name,
    )
    status = subprocess.run(
        [sys.executable, "-m", "otel_llm.cli.main", "stack", "status"],
        env={**env, "OTEL_LLM_STATE_DIR": str(tmp_path / "state")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert (status.returncode, status.stdout.count("not running")) == (3, 4), status.stdout + status.stderr
