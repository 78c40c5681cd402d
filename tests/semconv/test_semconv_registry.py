"""The registry keeps the upstream definitions, and the generated files are up to date."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = Path(__file__).parent / "data" / "upstream"
REGISTRY = json.loads((ROOT / "src/otel_llm/testing/registry.json").read_text(encoding="utf-8"))

# Where otel-llm's registry deliberately differs from upstream (see semconv/README.md).
REQUIREMENT_DEVIATIONS = {
    ("aws.bedrock.inference.client", "aws.bedrock.guardrail.id"),
    ("gen_ai.invoke_agent.internal", "gen_ai.provider.name"),  # as upstream main (#289)
}


def _upstream(name: str) -> dict:
    return yaml.safe_load((UPSTREAM / name).read_text(encoding="utf-8"))


def _upstream_attributes() -> list[dict]:
    openai = _upstream("openai-registry-v1.41.1.yaml")["groups"][0]["attributes"]
    return _upstream("registry.yaml")["attributes"] + [{**spec, "key": spec["id"]} for spec in openai]


def _level(entry: dict) -> str:
    level = entry["requirement_level"]
    return level if isinstance(level, str) else next(iter(level))


@pytest.mark.parametrize("spec", _upstream_attributes(), ids=lambda spec: spec["key"])
def test_upstream_attribute_is_kept(spec):
    ours = REGISTRY["attributes"][spec["key"]]
    if isinstance(spec["type"], str):
        assert ours["type"] == spec["type"]
        assert ours["members"] == []
    else:
        upstream_members = {member["id"]: member["value"] for member in spec["type"]["members"]}
        our_members = {member["id"]: member["value"] for member in ours["members"]}
        assert upstream_members.items() <= our_members.items()


def test_only_documented_members_are_added():
    added = {
        member["value"]
        for member in REGISTRY["attributes"]["gen_ai.provider.name"]["members"]
        if "otel-llm extension" in member["brief"]
    }
    assert added == {"ollama", "litellm"}


def test_upstream_spans_keep_kind_and_requirement_levels():
    checked = 0
    for span in _upstream("spans.yaml")["spans"]:
        ours = REGISTRY["spans"][span["type"]]
        assert ours["kind"] == span["kind"]
        levels = {entry["key"]: entry["requirement_level"] for entry in ours["attributes"]}
        for entry in span.get("attributes", []):
            if (
                "ref" in entry
                and "requirement_level" in entry
                and (span["type"], entry["ref"]) not in REQUIREMENT_DEVIATIONS
            ):
                assert levels[entry["ref"]] == _level(entry), (span["type"], entry["ref"])
                checked += 1
    for refinement in _upstream("spans.yaml")["span_refinements"]:
        ours = REGISTRY["span_refinements"][refinement["id"]]["overrides"]
        for entry in refinement.get("attributes", []):
            if (
                "requirement_level" in entry
                and (refinement["id"], entry["ref"]) not in REQUIREMENT_DEVIATIONS
            ):
                assert ours[entry["ref"]]["level"] == _level(entry), (refinement["id"], entry["ref"])
                checked += 1
    assert checked > 40


def test_upstream_metrics_keep_instrument_unit_and_attributes():
    for metric in _upstream("metrics.yaml")["metrics"]:
        ours = REGISTRY["metrics"][metric["name"]]
        assert (ours["instrument"], ours["unit"]) == (metric["instrument"], metric["unit"])
        levels = {entry["key"]: entry["requirement_level"] for entry in ours["attributes"]}
        for entry in metric.get("attributes", []):
            if "ref" in entry and "requirement_level" in entry:
                assert levels[entry["ref"]] == _level(entry), (metric["name"], entry["ref"])


def test_upstream_events_are_kept():
    for event in _upstream("events.yaml")["events"]:
        ours = REGISTRY["events"][event["name"]]
        levels = {entry["key"]: entry["requirement_level"] for entry in ours["attributes"]}
        for entry in event.get("attributes", []):
            if "ref" in entry and "requirement_level" in entry:
                assert levels[entry["ref"]] == _level(entry), (event["name"], entry["ref"])
    assert {"gen_ai.guardrail.result"} <= REGISTRY["events"].keys()


def test_own_extensions_are_namespaced_and_documented():
    newer = _upstream("registry-genai-2026.yaml")["attributes"]
    upstream_keys = {spec["key"] for spec in [*_upstream_attributes(), *newer]}
    for key, spec in REGISTRY["attributes"].items():
        if spec["file"].startswith("otel-llm/"):
            assert key.startswith("otel_llm."), key
            assert spec["brief"] and spec["examples"] and spec["stability"] == "development", key
        elif key.startswith("gen_ai."):
            assert key in upstream_keys or spec["file"] == "gen-ai/guardrails.yaml", key
    own_metrics = [name for name, spec in REGISTRY["metrics"].items() if spec["file"].startswith("otel-llm/")]
    assert sorted(own_metrics) == [
        "otel_llm.client.operation.cost",
        "otel_llm.evaluation.cost",
        "otel_llm.evaluation.feedback",
        "otel_llm.evaluation.latency",
        "otel_llm.evaluation.score",
        "otel_llm.evaluation.value",
        "otel_llm.guardrail.check.duration",
        "otel_llm.guardrail.checks",
    ]


def _semconv_module(name: str):
    """A script module of ``semconv/`` (not a package), loaded from its file."""
    spec = importlib.util.spec_from_file_location(f"semconv_{name}", ROOT / "semconv" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_up_to_date():
    result = subprocess.run(
        [sys.executable, str(ROOT / "semconv" / "generate.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_staleness_is_detected():
    generator = _semconv_module("generate")
    outputs = generator.render()
    target = ROOT / "src/otel_llm/semconv/attributes.py"
    outputs[target] = outputs[target].replace('"gen_ai.request.model"', '"gen_ai.request.modell"')
    assert generator.stale_files(outputs) == [target]


def test_generated_python_is_ruff_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT / "src/otel_llm/semconv")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout


ATTRIBUTES = """file_format: definition/2
attributes:
  - key: a.one
    type: string
    brief: One.
    stability: development
  - key: a.two
    type: int
    brief: Two.
    stability: development
"""


@pytest.mark.parametrize(
    ("definitions", "error"),
    [
        pytest.param(
            "file_format: definition/2\nevents:\n  - name: e\n    brief: E.\n    stability: development\n"
            "    attributes:\n      - ref: a.three\n",
            "unknown attribute 'a.three'",
            id="unknown-ref",
        ),
        pytest.param(
            "file_format: definition/2\nattribute_groups:\n"
            "  - id: g1\n    visibility: internal\n    attributes:\n      - ref: a.one\n"
            "  - id: g2\n    visibility: internal\n    attributes:\n      - ref: a.one\n"
            "events:\n  - name: e\n    brief: E.\n    stability: development\n"
            "    attributes:\n      - ref_group: g1\n      - ref_group: g2\n",
            "attribute 'a.one' comes from two groups (collision at 'g2')",
            id="group-collision",
        ),
        pytest.param(
            "file_format: definition/2\nattributes:\n  - key: a.one\n    type: string\n    brief: Again.\n"
            "    stability: development\n",
            "'a.one' is defined twice",
            id="duplicate",
        ),
        pytest.param("groups: []\n", "expected file_format: definition/2", id="old-format"),
    ],
)
def test_resolver_rejects_inconsistent_registries(tmp_path, definitions, error):
    resolve = _semconv_module("resolve")
    (tmp_path / "attributes.yaml").write_text(ATTRIBUTES, encoding="utf-8")
    (tmp_path / "signals.yaml").write_text(definitions, encoding="utf-8")
    with pytest.raises(resolve.RegistryError, match=re.escape(error)):
        resolve.resolve(tmp_path)


def test_inline_refs_take_precedence_over_groups(tmp_path):
    resolve = _semconv_module("resolve")
    (tmp_path / "attributes.yaml").write_text(ATTRIBUTES, encoding="utf-8")
    (tmp_path / "signals.yaml").write_text(
        "file_format: definition/2\nattribute_groups:\n"
        "  - id: g\n    visibility: internal\n    attributes:\n"
        "      - ref: a.one\n        requirement_level: required\n      - ref: a.two\n"
        "metrics:\n  - name: m\n    brief: M.\n    stability: development\n"
        "    instrument: counter\n    unit: '1'\n"
        "    attributes:\n      - ref: a.one\n        requirement_level: opt_in\n      - ref_group: g\n",
        encoding="utf-8",
    )
    metric = resolve.resolve(tmp_path)["metrics"]["m"]
    assert [(a["key"], a["requirement_level"]) for a in metric["attributes"]] == [
        ("a.one", "opt_in"),
        ("a.two", "recommended"),
    ]
