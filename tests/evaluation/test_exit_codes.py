"""The exit-code contract of ``otel-llm eval`` (0 passed, 1 threshold failed, 2 usage or configuration
error, 3 internal error) and its robustness to hostile text: markup, brackets, control characters."""

from __future__ import annotations

import io
import json
import string
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from otel_llm.cli.main import main
from otel_llm.evaluation import EvaluationRun, OfflineRunner, render_html
from otel_llm.evaluation.datasets import Example
from otel_llm.evaluation.evaluators import Evaluator
from otel_llm.evaluation.model import Score
from otel_llm.evaluation.terminal import print_run

from . import eval_app


def run_main(argv: list[str]) -> int:
    """``main`` as the shell sees it: argparse's own errors are a SystemExit with the code."""
    try:
        return main(argv)
    except SystemExit as exit_info:
        return int(exit_info.code)


def write_jsonl(path, rows) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return str(path)


ROWS = [
    {"id": "a", "input": "Paris", "expected": "Paris"},
    {"id": "b", "input": "Rome", "expected": "Milan"},
]


@pytest.fixture
def dataset(otel, tmp_path) -> str:
    """Two examples; with the test's global providers, which the command then uses as they are."""
    eval_app.CALLS.clear()
    return write_jsonl(tmp_path / "data.jsonl", ROWS)


def echo_run(dataset: str, *extra: str) -> list[str]:
    return ["eval", "-d", dataset, "-t", "tests.evaluation.eval_app:echo", *extra]


def test_exit_0_when_every_threshold_holds(dataset, capsys):
    assert run_main(echo_run(dataset, "-e", "exact_match", "--threshold", "exact_match=0.5")) == 0
    assert "PASS threshold exact_match.pass_rate >= 0.5 (actual 0.500)" in capsys.readouterr().out


def test_exit_1_when_a_threshold_fails(dataset, capsys):
    assert run_main(echo_run(dataset, "-e", "exact_match", "--threshold", "exact_match=0.6")) == 1
    assert "FAIL threshold exact_match.pass_rate >= 0.6 (actual 0.500)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["-e", "exact_match", "--threshold", "exact_macth=0.5"],
            "threshold exact_macth.pass_rate >= 0.5 names",
        ),
        (["-e", "exact_match", "--threshold", "exact_match>0.5"], "bad threshold 'exact_match>0.5'"),
        (["-e", "regex=a", "-e", "regex=b"], "two evaluators are named regex: name them"),
        (["-e", "regex=("], "evaluator 'regex': missing ), unterminated subpattern"),
        (["-e", "bad name:regex=a"], "bad evaluator name 'bad name'"),
        (["-e", "rouge_l=high"], "evaluator 'rouge_l' takes a threshold number, got 'high'"),
        (["-e", "exact_match", "--bogus-flag"], "unrecognized arguments: --bogus-flag"),
    ],
)
def test_exit_2_on_usage_errors_before_the_target_runs(dataset, extra, message, capsys):
    assert run_main(echo_run(dataset, *extra)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert eval_app.CALLS == []


def test_named_evaluators_of_one_kind_coexist(dataset, capsys):
    code = run_main(
        echo_run(
            dataset,
            "-e",
            "capital:regex=^[A-Z]",
            "-e",
            "vowel_end:regex=[aeiou]$",
            "--threshold",
            "vowel_end=0.5",
        )
    )
    assert code == 0
    assert "PASS threshold vowel_end.pass_rate >= 0.5 (actual 0.500)" in capsys.readouterr().out


def test_exit_2_when_an_evaluators_library_is_missing(dataset, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "rouge_score", None)  # `import rouge_score` now raises ImportError
    monkeypatch.delitem(sys.modules, "otel_llm.evaluation.evaluators.overlap", raising=False)
    assert run_main(echo_run(dataset, "-e", "exact_match", "-e", "rouge_l")) == 2
    err = capsys.readouterr().err
    assert "evaluator 'rouge_l' needs rouge_score: pip install 'otel-llm[eval]'" in err
    assert eval_app.CALLS == []


def test_exit_2_on_a_dataset_that_cannot_be_read(otel, tmp_path, capsys):
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("input,expected\ncafé,bar\n".encode("latin-1"))
    assert (
        run_main(["eval", "-d", str(bad), "-t", "tests.evaluation.eval_app:echo", "-e", "exact_match"]) == 2
    )
    assert f"{bad}: 'utf-8' codec can't decode byte 0xe9" in capsys.readouterr().err


def test_exit_2_in_one_line_when_jaeger_is_unreachable(otel, capsys, unused_port):
    url = f"http://127.0.0.1:{unused_port}"
    assert run_main(["eval", "online", "--jaeger", url, "--service", "app", "-e", "json_valid"]) == 2
    err = capsys.readouterr().err
    assert f"error: cannot reach Jaeger at {url}: [Errno 111] Connection refused" in err
    assert "Traceback" not in err


def test_exit_3_on_an_internal_error_keeps_the_reports(dataset, tmp_path, monkeypatch, capsys):
    def broken(run, console):
        raise RuntimeError("the terminal renderer broke")

    monkeypatch.setattr("otel_llm.evaluation.terminal.print_run", broken)
    report, page = tmp_path / "run.json", tmp_path / "run.html"
    code = run_main(echo_run(dataset, "-e", "exact_match", "--json", str(report), "--html", str(page)))
    assert code == 3
    assert "internal error: RuntimeError: the terminal renderer broke" in capsys.readouterr().err
    assert [e.id for e in EvaluationRun.load(report).examples] == ["a", "b"]
    assert page.read_text().startswith("<!DOCTYPE html>")


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- hostile text -------------------------------------------------------------------------------

HOSTILE = [
    "[/INST]",
    "[INST]",
    "[/]",
    "[bold]",
    "[/bold]",
    "[link=http://x]",
    "[red on blue]",
    ":warning:",
    "\x1b[31m",
    "\x1b]8;;http://evil\x1b\\",
    "<script>alert(1)</script>",
    "&amp;",
    '"',
    "'",
    "\\",
    "{}",
    "%s",
    "{trace_id}",
    "\x00",
    "\x07",
    "\r",
    "\n",
    "\t",
    "\x7f",
    "\x85",
    "\u2028",
    "\u200b",
    "\ud800",
]
hostile_text = st.lists(st.sampled_from(HOSTILE) | st.characters(), max_size=10).map("".join)


class Echoing(Evaluator):
    """Passes every other case, explaining with (and labelling by) the hostile text itself."""

    name = "echoing"

    def evaluate(self, case):
        passed = len(case.output or "") % 2 == 0
        return Score(self.name, 1.0 if passed else 0.0, case.output, case.output, passed)


def test_markup_in_user_text_prints_literally(dataset, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    rows = [{"id": "[/INST]", "input": "[bold]x[/bold] [/]", "expected": "[red]y"}]
    code = run_main(echo_run(write_jsonl(tmp_path / "m.jsonl", rows), "-e", "contains", "--name", "[/run]"))
    out = capsys.readouterr().out
    assert code == 0
    assert "[/run]: 1 examples" in out
    assert "│ [/INST] │ contains  │ fail   │ '[red]y' not found in the output │" in out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.tuples(hostile_text, hostile_text, hostile_text), min_size=1, max_size=4))
def test_fuzz_hostile_ids_inputs_outputs_and_explanations(texts, tmp_path, otel):
    examples = [Example(ident, question, expected) for ident, question, expected in texts]
    run = OfflineRunner(lambda question: question, [Echoing()]).run(examples, name=texts[0][0])
    console = Console(file=io.StringIO(), width=120)  # a console that reads markup: user text must not be
    print_run(run, console)
    saved = EvaluationRun.load(run.save(tmp_path / "run.json"))
    assert [(e.id, e.input, e.expected, e.output) for e in saved.examples] == [
        (e.id, e.input, e.expected, e.input) for e in examples
    ]
    assert [e.scores[0].explanation for e in saved.examples] == [e.input for e in examples]
    page = render_html(saved)
    assert "<script>alert" not in page
    failed = [e.input for e in saved.examples if not e.scores[0].passed]  # shown in the failures table
    printable = [text for text in failed if text and set(text) <= set(string.ascii_letters + "[]/")]
    for text in printable:
        assert text in console.file.getvalue().replace("\n", "").replace("│", "").replace(" ", "")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.tuples(hostile_text, hostile_text), min_size=1, max_size=3))
def test_fuzz_the_command_keeps_its_contract(texts, tmp_path, capsys, otel):
    rows = [{"id": ident, "input": question, "expected": question[::-1]} for ident, question in texts]
    data, report = write_jsonl(tmp_path / "fuzz.jsonl", rows), tmp_path / "fuzz.json"
    code = run_main(
        echo_run(
            data, "-e", "exact_match", "-e", "contains", "--threshold", "contains=1", "--json", str(report)
        )
    )
    capsys.readouterr()
    saved = EvaluationRun.load(report)
    assert [e.id for e in saved.examples] == [ident for ident, _ in texts]
    assert [e.output for e in saved.examples] == [question.strip() for _, question in texts]
    assert code == (0 if saved.summaries()["contains"].pass_rate == 1 else 1)
