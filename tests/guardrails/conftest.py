"""Fixtures for guardrail tests: copied data samples and a detector that always fails."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from otel_llm.guardrails import Detector, Match

DATA = Path(__file__).parent / "data"


class ExplodingDetector(Detector):
    """A detector that raises, to exercise fail-open / fail-closed."""

    name = "exploding"
    category = "TEST"

    def detect(self, text: str) -> list[Match]:
        raise RuntimeError(f"cannot check {text}")


@pytest.fixture
def pii_rows() -> list[dict]:
    return json.loads((DATA / "pii_sample.json").read_text())


@pytest.fixture
def injection_rows() -> list[dict]:
    return [json.loads(line) for line in (DATA / "prompt_injection_sample.jsonl").read_text().splitlines()]


@pytest.fixture
def xstest_safe_prompts() -> list[str]:
    with (DATA / "xstest_safe_sample.csv").open(newline="") as f:
        return [row["prompt"] for row in csv.DictReader(f)]


@pytest.fixture
def toxicity_rows() -> list[dict]:
    with (DATA / "toxicity_sample.csv").open(newline="") as f:
        return list(csv.DictReader(f))
