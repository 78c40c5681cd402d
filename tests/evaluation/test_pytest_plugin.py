"""The pytest plugin as a user runs it: a fresh pytest process, one test per suite test, readable failures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .test_suite import REPLIES, SUITES, last_user_text

ROOT = Path(__file__).resolve().parents[2]

USER_TESTS = """
import pytest

from otel_llm.evaluation.evaluators import ExactMatch, LatencyThreshold
from otel_llm.evaluation.pytest_plugin import dataset_cases, suite_cases


@pytest.mark.parametrize("case", suite_cases({suite!r}))
def test_support(case, evaluate_case):
    evaluate_case(case)


@pytest.mark.parametrize("case", dataset_cases({data!r}, [ExactMatch(), LatencyThreshold(30)],
                                               "tests.evaluation.eval_app:answer"))
def test_rows(case, evaluate_case):
    result = evaluate_case(case)
    assert result.span_id is not None  # the plugin's telemetry captured the example's LLM span
"""


def test_each_example_is_a_test_and_a_failure_says_why(fake_openai, tmp_path):
    def respond(body: dict) -> str:
        question = last_user_text(body)
        if question == "How do I get a refund?":
            return "Sorry, I cannot help."
        return REPLIES.get(question, "#### 7" if "?" in question or len(question) > 20 else question)

    server = fake_openai(respond)
    data = tmp_path / "rows.jsonl"
    rows = [
        '{"id": "echo-1", "input": "hi", "expected": "hi"}',
        '{"id": "echo-2", "input": "yo", "expected": "no"}',
    ]
    data.write_text("\n".join(rows) + "\n")
    (tmp_path / "test_user_evals.py").write_text(
        USER_TESTS.format(suite=str(SUITES / "support.yaml"), data=str(data))
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OTEL_TRACES_EXPORTER": "none",
        "EVAL_APP_BASE_URL": server.base_url,
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "otel_llm.evaluation.pytest_plugin",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rN",
            "--rootdir",
            str(tmp_path),
            "-c",
            os.devnull,
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "2 failed, 6 passed" in out
    assert "test_support[refund]" in out and "test_rows[echo-2]" in out
    assert (
        "example 'refund' failed: weighted score 0.000, needed a weighted score of 0.6\n"
        "  input:    How do I get a refund?\n"
        "  output:   Sorry, I cannot help.\n"
        "  expected: Open Orders, pick the order and press Refund.\n"
        "  FAIL  has_digit 0.000: no match for /\\d/\n"
    ) in out
    assert "  FAIL  mentions_refund 0.000: 'refund' not found in the output" in out
    assert "example 'echo-2' failed: weighted score 0.500, needed every assertion to pass" in out
    assert "  pass  latency" in out
    assert "Traceback" not in out  # a readable report, not the plugin's own stack
