"""docs/semconv-modes.md's table of names that differ per mode agrees with the two generated registries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.semconv_modes import DIFFERING

ROOT = Path(__file__).resolve().parents[2]
TESTING = ROOT / "src/otel_llm/testing"
DEFAULT = json.loads((TESTING / "registry.json").read_text(encoding="utf-8"))
LATEST = json.loads((TESTING / "registry-latest.json").read_text(encoding="utf-8"))
_NAME = re.compile(r"`((?:gen_ai|otel_llm)\.[a-z0-9_.]+)`")


def _rows() -> list[tuple[list[str], list[str]]]:
    """(default names, latest names) of each row of the table under "Every name that differs"."""
    text = (ROOT / "docs/semconv-modes.md").read_text(encoding="utf-8")
    section = text.split("## Every name that differs", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = line.split(" | ")
        if line.startswith("| ") and len(cells) == 4:
            rows.append((_NAME.findall(cells[1]), _NAME.findall(cells[2])))
    return rows[1:]  # without the header


def _known(registry: dict, name: str) -> bool:
    return name in registry["metrics"] or name in registry["attributes"] or name in registry["spans"]


@pytest.mark.parametrize(("default", "latest"), _rows())
def test_each_row_names_exist_in_their_mode(default: list[str], latest: list[str]) -> None:
    assert default or latest
    for name in default:
        assert _known(DEFAULT, name), name
    for name in latest:
        assert _known(LATEST, name), name


def test_every_differing_name_is_in_the_table() -> None:
    documented = {name for row in _rows() for names in row for name in names}
    for section in ("attributes", "metrics", "spans"):
        default, latest = set(DEFAULT[section]), set(LATEST[section])
        assert (default ^ latest) - documented == set(), section
    redefined = {
        name
        for name in set(DEFAULT["metrics"]) & set(LATEST["metrics"])
        if any(
            DEFAULT["metrics"][name][key] != LATEST["metrics"][name][key] for key in ("instrument", "unit")
        )
    }
    assert redefined == {
        "gen_ai.client.inference.usage.input_tokens",
        "gen_ai.client.inference.usage.output_tokens",
    }
    assert redefined <= documented


def _described_rows() -> list[tuple[str, list[str], list[str]]]:
    """(what, default names, latest names) of each row of the documented table."""
    text = (ROOT / "docs/semconv-modes.md").read_text(encoding="utf-8")
    section = text.split("## Every name that differs", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| ")]
    return [
        (cells[0], _NAME.findall(cells[1]), _NAME.findall(cells[2])) for cells in rows[1:] if len(cells) == 4
    ]


@pytest.mark.parametrize(("what", "names"), DIFFERING.items())
def test_the_tests_names_are_a_row_of_the_documented_table(what: str, names: tuple) -> None:
    """tests/semconv_modes.py's table (the names the tests expect per mode) is the documented one."""
    default, latest = names
    rows = [
        row
        for row in _described_rows()
        if (default in row[1] if default else not row[1]) and (latest in row[2] if latest else True)
    ]
    assert rows, what


def test_every_emitted_name_that_differs_is_in_the_tests_table() -> None:
    never_emitted = {
        name
        for what, default, latest in _described_rows()
        if what.startswith("| registry only")
        for name in default
    }
    expected = {name for pair in DIFFERING.values() for name in pair if name}
    for section in ("attributes", "metrics", "spans"):
        differing = set(DEFAULT[section]) ^ set(LATEST[section])
        assert differing - never_emitted - expected == set(), section
