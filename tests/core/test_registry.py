"""Everything that lists the instrumented libraries agrees with the registry."""

from __future__ import annotations

import tomllib
from importlib.metadata import entry_points
from pathlib import Path

from otel_llm.instrumentation import registry
from otel_llm.instrumentation.registry import REGISTRY, Kind

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_pyproject_entry_points_are_the_registry() -> None:
    declared = PYPROJECT["entry-points"]["opentelemetry_instrumentor"]
    assert declared == {entry.entry_point: f"{entry.module}:{entry.instrumentor}" for entry in REGISTRY}


def test_installed_entry_points_are_the_registry() -> None:
    installed = {
        ep.name: ep.value
        for ep in entry_points(group="opentelemetry_instrumentor")
        if ep.dist.name == "otel-llm"
    }
    assert installed == {entry.entry_point: f"{entry.module}:{entry.instrumentor}" for entry in REGISTRY}


def test_each_entry_has_its_extra_and_all_includes_them() -> None:
    extras = PYPROJECT["optional-dependencies"]
    for entry in REGISTRY:
        assert extras[entry.extra] == [entry.requirement], entry.name
    (everything,) = extras["all"]
    included = set(everything.removeprefix("otel-llm[").removesuffix("]").split(","))
    assert {entry.extra for entry in REGISTRY} <= included


def test_each_entry_has_its_folder_instrumentor_and_tests() -> None:
    for entry in REGISTRY:
        instrumentor = entry.load()
        assert instrumentor.__name__ == entry.instrumentor
        assert instrumentor.requirements, entry.name
        assert (ROOT / "tests" / entry.name).is_dir(), entry.name
        package = instrumentor().sdk_package()  # None: the SDK is not installed
        assert package is None or package.startswith(entry.package), entry.name


def test_every_instrumentation_folder_is_registered() -> None:
    folders = {
        path.name
        for path in (ROOT / "src" / "otel_llm" / "instrumentation").iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    }
    assert folders == {entry.name for entry in REGISTRY}


def test_kinds() -> None:
    assert registry.of_kind(Kind.PROVIDER) == tuple(e for e in REGISTRY if e.kind is Kind.PROVIDER)
    assert {entry.kind for entry in REGISTRY} <= set(Kind)
