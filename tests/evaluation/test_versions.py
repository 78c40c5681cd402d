"""Evaluation by version, through the real CLI: reports record the app, prompt and model versions, and
``otel-llm eval compare --by`` compares two runs, or the versions within one run, by them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .eval_app import BASE_URL_ENV
from .versioned_prompts import SYSTEM_PROMPTS, VERSION_ENV

ROOT = Path(__file__).resolve().parents[2]
DATASET = Path(__file__).parent / "data" / "gsm8k_test_sample.jsonl"
EXAMPLES = 8
TARGET = "tests.evaluation.versioned_app"
MODEL = "gpt-4o-mini-2024-07-18"
"""The response model the fake provider reports for gpt-4o-mini."""


def _answers() -> dict[str, str]:
    rows = [json.loads(line) for line in DATASET.read_text().splitlines()[:EXAMPLES]]
    return {row["question"]: row["answer"].rsplit("####", 1)[1].strip() for row in rows}


def _responder(body: dict) -> str:
    """v6's prompt gets the right answer, v7's a wrong one: the prompt change is a regression."""
    system = next(m["content"] for m in body["messages"] if m["role"] == "system")
    question = next(m["content"] for m in body["messages"] if m["role"] == "user")
    return f"#### {_answers()[question]}" if system == SYSTEM_PROMPTS["v6"] else "#### -1"


def cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {
        **os.environ,
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "COLUMNS": "200",
        **(env or {}),
    }
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_RESOURCE_ATTRIBUTES"):
        if name not in (env or {}):
            environ.pop(name, None)
    command = [sys.executable, "-m", "otel_llm.cli.main", "eval", *argv]
    return subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=180)


def evaluate(target: str, report: Path, *extra: str, env: dict[str, str]) -> dict:
    done = cli(
        "-d", str(DATASET), "--limit", str(EXAMPLES), "-t", f"{TARGET}:{target}", "-e", "numeric_match",
        "--json", str(report), *extra, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(report.read_text())


@pytest.fixture
def two_prompt_versions(fake_openai, tmp_path) -> tuple[Path, Path]:
    """Run 1: prompt v6, app 1.4.1 from the resource; run 2: prompt v7, app 1.4.2 from --app-version."""
    server = fake_openai(_responder)
    v6, v7 = tmp_path / "v6.json", tmp_path / "v7.json"
    first = evaluate(
        "answer",
        v6,
        env={
            BASE_URL_ENV: server.base_url,
            VERSION_ENV: "v6",
            "OTEL_RESOURCE_ATTRIBUTES": "service.version=1.4.1",
        },
    )
    second = evaluate(
        "answer", v7, "--app-version", "1.4.2", env={BASE_URL_ENV: server.base_url, VERSION_ENV: "v7"}
    )
    assert first["versions"] == {
        "app": ["1.4.1"],
        "prompt": ["v6"],
        "prompt_name": ["math-answer"],
        "model": [MODEL],
    }
    assert first["metadata"]["app_version"] == "1.4.1"
    assert second["versions"]["app"] == ["1.4.2"] and second["versions"]["prompt"] == ["v7"]
    assert {(e["prompt_name"], e["prompt_version"]) for e in second["examples"]} == {("math-answer", "v7")}
    assert first["summary"]["numeric_match"]["pass_rate"] == 1.0
    assert second["summary"]["numeric_match"]["pass_rate"] == 0.0
    return v6, v7


def test_compare_two_runs_by_prompt_version(two_prompt_versions, tmp_path):
    v6, v7 = two_prompt_versions
    out = tmp_path / "compare.json"
    done = cli("compare", str(v6), str(v7), "--by", "prompt", "--json", str(out), "--fail-on-regression")
    assert done.returncode == 1, done.stderr
    assert f"versions: app 1.4.1 -> 1.4.2; prompt v6 -> v7; model {MODEL} (both)" in done.stdout
    data = json.loads(out.read_text())
    assert (data["by"], data["before"], data["after"]) == ("prompt", "prompt v6", "prompt v7")
    assert data["versions"]["before"]["app"] == ["1.4.1"] and data["versions"]["after"]["app"] == ["1.4.2"]
    numeric = next(change for change in data["evaluators"] if change["name"] == "numeric_match")
    assert numeric["verdict"] == "regressed" and numeric["pass_rate_delta"] == -1.0
    assert numeric["significance"]["examples"] == EXAMPLES
    assert numeric["significance"]["test"] == "mcnemar"
    assert numeric["significance"]["p_value"] == round(2 / 2**EXAMPLES, 6)  # McNemar: 8 fell, none rose
    assert len(data["regressions"]) == 2 * EXAMPLES  # numeric_match and tests, every example

    # by app version: the same two sides; the reverse order is an improvement
    by_app = cli("compare", str(v6), str(v7), "--by", "app", "--baseline", "1.4.2", "--fail-on-regression")
    assert by_app.returncode == 0, by_app.stderr
    assert "app 1.4.2 -> app 1.4.1" in by_app.stdout and "improved" in by_app.stdout

    usage_errors = [
        (("compare", str(v6), "--by", "prompt"), "fewer than two values of prompt (found: v6)"),
        (("compare", str(v6), str(v7), "--by", "prompt", "--baseline", "v9"), "no example has prompt v9"),
        (
            ("compare", str(v6), str(v7), "--by", "model"),
            f"fewer than two values of model (found: {MODEL})",
        ),
        (("compare", str(v6)), "give two reports (before after), or --by KEY"),
        (("compare", str(v6), str(v7), "--baseline", "v6"), "--baseline and --candidate choose versions"),
    ]
    for argv, message in usage_errors:
        done = cli(*argv)
        assert done.returncode == 2 and message in done.stderr, (argv, done.stderr)


def test_one_run_grouped_by_prompt_version(fake_openai, tmp_path):
    """An A/B test in one run: every example answered under both prompts (``--repeat 2``)."""
    server = fake_openai(_responder)
    report = tmp_path / "ab.json"
    run = evaluate("answer_ab", report, "--repeat", "2", env={BASE_URL_ENV: server.base_url})
    assert run["versions"]["prompt"] == ["v6", "v7"]
    out = tmp_path / "compare.json"
    done = cli(
        "compare", str(report), "--by", "prompt", "--json", str(out), "--markdown", str(tmp_path / "c.md"),
        "--html", str(tmp_path / "c.html"),
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text())
    assert (data["before"], data["after"]) == ("prompt v6", "prompt v7")
    numeric = next(change for change in data["evaluators"] if change["name"] == "numeric_match")
    assert (numeric["before"]["pass_rate"], numeric["after"]["pass_rate"]) == (1.0, 0.0)
    assert numeric["verdict"] == "regressed" and numeric["significance"]["examples"] == EXAMPLES
    assert f"Versions: prompt v6 -&gt; v7; model {MODEL} (both)" in (tmp_path / "c.md").read_text()
    html = (tmp_path / "c.html").read_text()
    assert f'<p class="versions">Versions: prompt v6 -&gt; v7; model {MODEL} (both)</p>' in html
