"""docs/semconv/mode-*.md: what each semconv mode emits, against the table of names that differ, and the
definitions they leave out (semconv/not-emitted.yaml) named by no module but the generated constants."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from tests.semconv_modes import DIFFERING

ROOT = Path(__file__).resolve().parents[2]
NOT_EMITTED = yaml.safe_load((ROOT / "semconv/not-emitted.yaml").read_text(encoding="utf-8"))
_ROW_NAME = re.compile(r"^\| `([a-z0-9_.]+)`", re.M)


def _listed(mode: str) -> set[str]:
    """The names in the first column of every table of docs/semconv/mode-<mode>.md."""
    return set(_ROW_NAME.findall((ROOT / f"docs/semconv/mode-{mode}.md").read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("mode", "emits_default", "emits_latest"),
    [("default", True, False), ("latest", False, True), ("duplicate", True, True)],
)
def test_each_mode_lists_its_names_of_the_table(mode: str, emits_default: bool, emits_latest: bool) -> None:
    listed = _listed(mode)
    for default, latest in DIFFERING.values():
        if default and default != latest:
            assert (default in listed) is emits_default or default == "gen_ai.client.operation.duration", (
                default
            )
        if latest:
            assert (latest in listed) is emits_latest, latest
    assert "gen_ai.client.operation.duration" in listed  # embeddings keep it in every mode


def test_left_out_definitions_are_not_listed() -> None:
    for mode in ("default", "latest", "duplicate"):
        listed = _listed(mode)
        for names in NOT_EMITTED["every_mode"].values():
            assert not set(names) & listed, mode
    assert not set(NOT_EMITTED["default"]["metrics"]) & (_listed("default") - _listed("latest"))


def _source() -> str:
    """Every module of otel_llm but the generated constants and the conformance checker's data."""
    skipped = ("semconv", "testing")
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in (ROOT / "src/otel_llm").rglob("*.py")
        if path.relative_to(ROOT / "src/otel_llm").parts[0] not in skipped
    )


def test_left_out_names_are_used_nowhere() -> None:
    source = _source()
    names = [
        name for section in ("attributes", "metrics") for name in NOT_EMITTED["every_mode"].get(section, ())
    ]
    for name in names:
        constant = re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").upper()
        assert name not in source and not re.search(rf"\b{constant}\b", source), name
    # the operations of the left-out span types (plan; search/create/update/delete_memory) are started nowhere
    assert NOT_EMITTED["every_mode"]["spans"] == ["gen_ai.memory.client", "gen_ai.plan.internal"]
    operation = re.compile(r"GenAiOperationNameValues\.(\w+_MEMORY|PLAN)\b|\"(\w+_memory|plan)\"")
    assert operation.search(source) is None
