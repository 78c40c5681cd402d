"""Suite files: datasets and tests, named evaluators, defaults, per-test assertions, weights, thresholds."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from otel_llm.cli.main import main
from otel_llm.evaluation.suite import SuiteError, load_suite

from .conftest import last_user_text

SUITES = Path(__file__).parent / "suites"
REPLIES = {
    "How do I get a refund?": "Open Orders, pick the order and press Refund.",
    "Say hello": "hello there",
}


def support_responder(body: dict) -> str:
    return REPLIES.get(last_user_text(body), "#### 7")


def test_support_suite_runs_each_test_with_its_own_assertions(instrumented, fake_openai, tmp_path, capsys):
    fake_openai(support_responder)
    report = tmp_path / "suite.json"
    assert main(["eval", "run", str(SUITES / "support.yaml"), "--json", str(report)]) == 0
    out = capsys.readouterr().out
    assert "PASS threshold tests.pass_rate >= 1 (actual 1.000)" in out
    assert "PASS threshold has_digit.pass_rate >= 0.6 (actual 0.667)" in out

    data = json.loads(report.read_text())
    assert data["name"] == "support-smoke"
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert data["metadata"].pop("git_revision") == head  # the CLI records where the run came from
    assert data["metadata"].pop("git_dirty") in ("yes", "no")
    assert data["metadata"] == {
        "prompt_version": "v3",
        "description": "Support answers and GSM8K arithmetic through the instrumented openai SDK",
    }
    assert data["evaluators"] == ["has_digit", "close", "mentions_refund", "polite", "contains"]
    examples = {example["id"]: example for example in data["examples"]}
    assert list(examples) == ["1", "2", "3", "4", "refund", "greeting"]
    for ident in "1234":
        assert [s["name"] for s in examples[ident]["scores"]] == ["has_digit"]
        assert examples[ident]["metadata"] == {"suite": "smoke", "source": "gsm8k"}
        assert (examples[ident]["passed"], examples[ident]["weighted_score"]) == (True, 1.0)
    refund = examples["refund"]
    assert [(s["name"], s["passed"]) for s in refund["scores"]] == [
        ("has_digit", False),
        ("close", True),
        ("mentions_refund", True),
        ("polite", False),
    ]
    assert (refund["passed"], refund["weighted_score"]) == (True, 0.6)  # (2 + 1) / (1 + 2 + 1 + 1)
    assert refund["metadata"] == {"suite": "smoke", "category": "billing"}
    greeting = examples["greeting"]
    assert [(s["name"], s["passed"]) for s in greeting["scores"]] == [
        ("has_digit", False),
        ("contains", True),
    ]
    assert (greeting["passed"], greeting["weighted_score"]) == (True, 1.0)  # has_digit has weight 0 here
    assert data["summary"]["has_digit"]["count"] == 6 and data["summary"]["polite"]["count"] == 1
    assert data["summary"]["tests"] == {
        "name": "tests",
        "count": 6,
        "passed": 6,
        "failed": 0,
        "errors": 0,
        "mean": pytest.approx(0.933333),
        "pass_rate": 1.0,
    }

    events = [r for r in instrumented.logs() if r.event_name == "gen_ai.evaluation.result"]
    assert len(events) == 4 + 4 + 2
    chats = {s.context.span_id: s for s in instrumented.spans() if s.name == "chat gpt-4o-mini"}
    assert {e.span_id for e in events} == set(chats)  # every score hangs off its example's LLM span


def test_flags_add_to_a_suite_and_a_failed_test_fails_the_gate(instrumented, fake_openai, tmp_path, capsys):
    fake_openai(lambda body: "no digits, no thanks")
    report = tmp_path / "suite.json"
    code = main(
        [
            "eval",
            "run",
            str(SUITES / "support.yaml"),
            "-e",
            "json_valid",
            "--limit",
            "2",
            "--json",
            str(report),
        ]
    )
    assert code == 1
    assert "FAIL threshold tests.pass_rate >= 1 (actual 0.000)" in capsys.readouterr().out
    data = json.loads(report.read_text())
    assert [[s["name"] for s in e["scores"]] for e in data["examples"]] == [["has_digit", "json_valid"]] * 2


def write_suite(tmp_path, text: str) -> str:
    path = tmp_path / "suite.yaml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tests: [{input: hi, assert: [exact]}]", "tests/0/assert/0: unknown evaluator 'exact'"),
        ("tests: [{input: hi, assert: [{evaluator: nope}]}]", "tests/0/assert/0: no evaluator named 'nope'"),
        ("tests: [{inpt: hi}]", "tests/0: Additional properties are not allowed ('inpt' was unexpected)"),
        ("tests: [{input: hi}]", "tests/0: no assertions"),
        ("tests: [{input: hi, assert: [{type: regex}]}]", "needs an argument: regex=..."),
        ("tests: [{input: hi, assert: [{type: exact_match, threshold: 0.5}]}]", "passes or fails"),
        (
            "tests: [{input: hi, assert: [contains, {type: contains, value: x}]}]",
            "evaluator names must be unique",
        ),
        ("evaluators: {tests: {type: json_valid}}\ntests: [{input: hi, assert: [tests]}]", "is reserved"),
        ("tests: [{input: hi, assert: [{type: contains, weight: -1}]}]", "tests/0/assert/0: {'type'"),
        ("name: [unclosed", "not valid YAML"),
        ("datasets: [{path: missing.jsonl}]", "datasets/0: [Errno 2] No such file"),
        ("thresholds: [nope=1]\ntests: [{input: hi, output: x, assert: [json_valid]}]", "names no evaluator"),
    ],
)
def test_suite_errors_exit_2_and_say_where(text, message, tmp_path, otel, capsys):
    assert main(["eval", "run", write_suite(tmp_path, text)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_suite_is_checked_before_anything_runs(tmp_path):
    with pytest.raises(SuiteError, match=r"suite.yaml: \(top\): a suite needs `tests` or `datasets`"):
        load_suite(write_suite(tmp_path, "name: empty"))


ROOT = Path(__file__).resolve().parents[2]
DOCS_SUITE = ROOT / "docs" / "examples" / "support-suite.yaml"


def test_the_docs_example_suite_runs_as_written(tmp_path):
    """The command in the example's header, in a fresh process from the repository root."""
    import os
    import sys

    command = next(line for line in DOCS_SUITE.read_text().splitlines() if "otel-llm eval run" in line)
    argv = command.lstrip("# ").split()
    assert argv[:3] == ["otel-llm", "eval", "run"]
    report = tmp_path / "support.json"
    env = {**os.environ, "OTEL_TRACES_EXPORTER": "none", "COLUMNS": "200"}
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "otel-llm"), *argv[1:], "--json", str(report)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "PASS threshold tests.pass_rate >= 0.8 (actual 0.875)" in done.stdout
    data = json.loads(report.read_text())
    assert data["target"] is None and data["metadata"]["prompt_version"] == "v2"
    examples = {e["id"]: e for e in data["examples"]}
    assert examples["refund-1"]["output"] == "Open Orders, choose the order and press Refund."
    assert examples["refund-1"]["metadata"] == {"category": "billing"}
    assert examples["invoice-1"]["passed"] is False
    assert examples["order-status-json"]["passed"] is True  # `close` has weight 0 there
    segments = data["segments"]["category"]
    assert {segment: s["tests"]["pass_rate"] for segment, s in segments["groups"].items()} == {
        "billing": 0.666667,
        "shipping": 1.0,
        "account": 1.0,
    }
    assert segments["gaps"]["tests"] == {
        "name": "tests",
        "best": "shipping",
        "worst": "billing",
        "gap": 0.333333,
    }
    assert "json_valid" not in segments["groups"]["billing"]  # evaluators count where they ran only
    assert re.search(r"gap \(best - worst\)\s+│\s+│ 33.3% account>billing", done.stdout)


def test_existing_outputs_are_scored_without_a_target(otel, tmp_path, capsys):
    data = tmp_path / "answers.csv"
    data.write_text("id,question,answer,response\n1,2+2?,4,4\n2,3+3?,6,five\n")
    argv = ["eval", "-d", str(data), "--output-field", "response", "-e", "exact_match", "--json"]
    assert main([*argv, str(tmp_path / "r.json"), "--threshold", "exact_match=0.5"]) == 0
    run = json.loads((tmp_path / "r.json").read_text())
    assert [(e["output"], e["scores"][0]["passed"]) for e in run["examples"]] == [
        ("4", True),
        ("five", False),
    ]
    events = [r for r in otel.logs() if r.event_name == "gen_ai.evaluation.result"]
    roots = {s.context.span_id for s in otel.spans() if s.name == "eval.example"}
    assert len(events) == 2 and {e.span_id for e in events} == roots  # no LLM span: the example span
    capsys.readouterr()
    assert main(["eval", "-d", str(data), "-e", "exact_match"]) == 2
    assert "no --target, and 2 examples have no output to score (first: '1')" in capsys.readouterr().err
