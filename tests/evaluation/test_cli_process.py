"""``otel-llm eval`` as a user runs it: a fresh process, zero-code or with a self-instrumenting app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import last_user_text
from .eval_app import BASE_URL_ENV

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DATASET = Path(__file__).parent / "data" / "gsm8k_test_sample.jsonl"


def run_cli(prefix: list[str], target: str, base_url: str, report: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        BASE_URL_ENV: base_url,
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
    }
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "PYTHONPATH"):
        env.pop(name, None)
    argv = [
        "eval",
        "-d",
        str(DATASET),
        "--limit",
        "3",
        "-t",
        target,
        "-e",
        "numeric_match",
        "-e",
        "latency=30",
        "--json",
        str(report),
    ]
    return subprocess.run(prefix + argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("prefix", "target"),
    [
        ([str(BIN / "opentelemetry-instrument"), str(BIN / "otel-llm")], "tests.evaluation.eval_app:answer"),
        ([sys.executable, "-m", "otel_llm.cli.main"], "tests.evaluation.self_instrumented_app:answer"),
    ],
    ids=["zero-code", "sdk-set-up-by-the-cli"],
)
def test_fresh_process_captures_the_llm_span_of_each_example(prefix, target, fake_openai, tmp_path):
    server = fake_openai(lambda body: f"#### {len(last_user_text(body))}")
    report = tmp_path / "run.json"
    done = run_cli(prefix, target, server.base_url, report)
    assert done.returncode == 0, done.stderr
    examples = json.loads(report.read_text())["examples"]
    assert len(examples) == 3
    for example in examples:
        assert example["response_id"].startswith("chatcmpl-")
        assert len(example["span_id"]) == 16
        numeric, latency = example["scores"]
        assert numeric["error_type"] is None and latency["error_type"] is None  # the LLM span was captured
        assert 0 < latency["value"] < 30
