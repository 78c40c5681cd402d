"""Runs, thresholds, JSON round trip, HTML and terminal reports, and comparisons."""

from __future__ import annotations

import io
import json
import re

import pytest
from rich.console import Console

from otel_llm.cli.main import main
from otel_llm.evaluation import EvaluationRun, OfflineRunner, Threshold, compare_runs, evaluate, render_html
from otel_llm.evaluation.datasets import Example
from otel_llm.evaluation.evaluators import Contains, ExactMatch, RougeL
from otel_llm.evaluation.terminal import print_comparison, print_run

EXAMPLES = [
    Example("1", "capital of France?", "Paris"),
    Example("2", "capital of Italy?", "Rome"),
    Example("3", "capital of Spain?", "Madrid"),
    Example("4", "capital of <Peru>?", "Lima"),
]


def answers(table: dict[str, str]):
    def target(question: str) -> str:
        if question not in table:
            raise LookupError(f"no answer for {question}")
        return table[question]

    return target


GOOD = answers({e.input: e.expected for e in EXAMPLES})
WORSE = answers({"capital of France?": "Paris", "capital of Italy?": "Milan", "capital of Spain?": "Madrid"})


def run_with(target, thresholds=(), name="run") -> EvaluationRun:
    return evaluate(EXAMPLES, target, [ExactMatch(), Contains(), RougeL()], thresholds, name=name)


def test_summary_counts_errors_as_not_passed():
    run = run_with(WORSE, ["exact_match=0.5", "exact_match=0.75", "rouge_l.mean>=0.6", "missing=0.1"])
    summary = run.summaries()["exact_match"]
    assert (summary.count, summary.passed, summary.failed, summary.errors) == (4, 2, 1, 1)
    assert summary.pass_rate == 0.5
    assert summary.mean == pytest.approx(2 / 3, abs=1e-6)  # errors are left out of the mean
    assert run.examples[3].error == "LookupError: no answer for capital of <Peru>?"
    assert run.examples[3].scores[0].error_type == "LookupError"
    assert [(c["threshold"], c["passed"]) for c in run.thresholds] == [
        ("exact_match.pass_rate >= 0.5", True),
        ("exact_match.pass_rate >= 0.75", False),
        ("rouge_l.mean >= 0.6", True),
        ("missing.pass_rate >= 0.1", False),
    ]
    assert run.passed is False
    with pytest.raises(AssertionError, match=r"exact_match.pass_rate >= 0.75 \(actual 0.500\); missing"):
        run.assert_passed()


def test_pytest_style_gate_passes_silently():
    run_with(GOOD, ["exact_match=1", "rouge_l.mean>=1"]).assert_passed()


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("exact_match=0.8", Threshold("exact_match", 0.8)),
        ("rouge_l.mean>=0.4", Threshold("rouge_l", 0.4, "mean")),
        ("latency.mean <= 2.5", Threshold("latency", 2.5, "mean", at_most=True)),
        ("json-valid.pass_rate=1", Threshold("json-valid", 1.0)),
    ],
)
def test_threshold_specs(spec, parsed):
    assert Threshold.parse(spec) == parsed


def test_bad_threshold_spec():
    with pytest.raises(ValueError, match=r"bad threshold 'exact_match>0\.8'"):
        Threshold.parse("exact_match>0.8")


def test_json_report_round_trips(tmp_path):
    run = run_with(WORSE, ["exact_match=0.75"])
    path = run.save(tmp_path / "out" / "run.json")
    data = json.loads(path.read_text())
    assert data["format"] == "otel-llm.evaluation.run/1"
    assert data["passed"] is False
    assert data["summary"]["contains"] == {
        "name": "contains",
        "count": 4,
        "passed": 2,
        "failed": 1,
        "errors": 1,
        "mean": 0.666667,
        "pass_rate": 0.5,
    }
    assert data["examples"][1]["output"] == "Milan"
    loaded = EvaluationRun.load(path)
    assert loaded.to_dict() == data
    with pytest.raises(ValueError, match="not an otel-llm evaluation report"):
        EvaluationRun.from_dict({"format": "other"})


def report_data(page: str) -> dict:
    """The examples a report embeds, as its script reads them."""
    raw = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(raw)


def test_html_report_is_self_contained_and_escaped():
    run = run_with(WORSE, ["exact_match=0.75"], name="nightly </script><b>")
    page = render_html(run)
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>nightly &lt;/script&gt;&lt;b&gt;</title>" in page
    assert "<h2>Thresholds: FAILED</h2>" in page
    assert not re.search(r"<link|<script[^>]*src=|@import|https?://|<img", page)  # nothing from outside
    assert page.count("</script>") == 2  # the data's own "</" is escaped: user text cannot end it
    data = report_data(page)
    assert data["evaluators"] == ["exact_match", "contains", "rouge_l"]
    fourth = data["examples"][3]
    assert (fourth["input"], fourth["error"]) == (
        "capital of <Peru>?",
        "LookupError: no answer for capital of <Peru>?",
    )
    assert fourth["scores"][0] == {
        "name": "exact_match",
        "value": None,
        "label": None,
        "explanation": "the target failed: no answer for capital of <Peru>?",
        "passed": None,
        "error_type": "LookupError",
    }
    assert [e["passed"] for e in data["examples"]] == [True, False, True, False]
    assert '<option value="e1">failed contains</option>' in page
    assert 'aria-label="score distribution of rouge_l"' in page


def test_html_report_shows_run_facts_and_links_traces(otel):
    run = run_with(GOOD, name="facts")
    run.metadata = {"prompt_version": "v7", "git_revision": "abc123"}
    run.examples[0].input_tokens, run.examples[0].output_tokens, run.examples[0].cost_usd = 12, 5, 0.0004
    run.examples[0].model = "gpt-4o-mini"
    page = render_html(run, trace_url="http://127.0.0.1:16686/trace/{trace_id}")
    for fact in (
        "<dt>models</dt><dd>gpt-4o-mini</dd>",
        "<dt>tokens</dt><dd>12 input, 5 output</dd>",
        "<dt>cost</dt><dd>$0.000400</dd>",
        "<dt>prompt_version</dt><dd>v7</dd>",
        "<dt>git_revision</dt><dd>abc123</dd>",
    ):
        assert fact in page
    example = report_data(page)["examples"][0]
    assert example["trace_href"] == f"http://127.0.0.1:16686/trace/{example['trace_id']}"


def test_terminal_report_lists_summary_failures_and_thresholds():
    console = Console(file=io.StringIO(), width=160, color_system=None)
    print_run(run_with(WORSE, ["exact_match=0.75"], name="nightly"), console)
    text = console.file.getvalue()
    assert re.search(r"exact_match\s+│\s+0\.667\s+│\s+50\.0%\s+│\s+2\s+│\s+1\s+│\s+1", text)
    assert re.search(r"2\s+│ exact_match\s+│ fail", text)
    assert "FAIL threshold exact_match.pass_rate >= 0.75 (actual 0.500)" in text


def test_compare_finds_example_changes_and_needs_significance_for_a_verdict():
    before, after = run_with(GOOD, name="before"), run_with(WORSE, name="after")
    comparison = compare_runs(before, after)
    assert [(c.example_id, c.evaluator, c.before, c.after) for c in comparison.regressions] == [
        ("2", "exact_match", 1.0, 0.0),
        ("4", "exact_match", 1.0, 0.0),
        ("2", "contains", 1.0, 0.0),
        ("4", "contains", 1.0, 0.0),
        ("2", "rouge_l", 1.0, 0.0),
        ("4", "rouge_l", 1.0, 0.0),
        ("2", "tests", 1.0, 0.0),
        ("4", "tests", 1.0, 0.0),
    ]
    assert comparison.regressions[0].explanation is None  # "Milan" fails exact_match without a reason
    assert comparison.regressions[1].explanation == "the target failed: no answer for capital of <Peru>?"
    assert comparison.improvements == []
    exact = comparison.evaluators[0]
    assert (exact.name, exact.pass_rate_delta, exact.mean_delta) == (
        "exact_match",
        -0.5,
        pytest.approx(-1 / 3),
    )
    # 2 of 4 examples fell, none rose: McNemar's exact p = 2 * 0.5**2 = 0.5, no evidence of a regression.
    assert (exact.significance.test, exact.significance.p_value) == ("mcnemar", 0.5)
    assert (exact.verdict, comparison.has_regressions) == ("not significant", False)
    assert compare_runs(before, after, alpha=1).has_regressions  # alpha 1: any fall beyond the tolerance
    console = Console(file=io.StringIO(), width=200, color_system=None)
    print_comparison(comparison, console)
    text = console.file.getvalue()
    assert "examples that regressed (8)" in text
    assert re.search(
        r"exact_match\s+│\s+100.0% │\s+50.0% │\s+-50.0% │ \[-100.0%, \+0.0%\] │ 0.5 \(mcnemar\) │ not", text
    )
    assert re.search(
        r"4\s+│ exact_match\s+│ pass\s+│ fail\s+│ the target failed: no answer for capital of <Peru>\?", text
    )
    assert "no significant regression" in text


def many(passing: int, total: int = 200, offset: int = 0) -> EvaluationRun:
    """A run of ``total`` examples of which ``passing`` pass, the failures starting at ``offset``."""
    examples = [Example(str(i), str(i), "ok") for i in range(total)]
    failing = {str((offset + i) % total) for i in range(total - passing)}
    return evaluate(examples, lambda q: "no" if q in failing else "ok", [ExactMatch()])


def test_a_real_fall_is_significant_and_tolerance_absorbs_small_ones():
    before = many(180)
    change = compare_runs(before, many(150)).evaluators[0]  # 30 more failures, none fixed
    assert change.significance.p_value < 1e-8 and change.verdict == "regressed"
    assert -0.21 < change.significance.low < change.significance.high < -0.1
    assert compare_runs(before, many(150), tolerance=0.2).evaluators[0].verdict == "within tolerance"
    noisy = compare_runs(before, many(176, offset=10)).evaluators[0]  # 14 fell, 10 rose: noise
    assert (noisy.pass_rate_delta, noisy.verdict) == (-0.02, "not significant")
    assert noisy.significance.p_value == pytest.approx(0.541256, abs=1e-6)  # McNemar, 14 vs 10
    assert compare_runs(before, many(180)).evaluators[0].verdict == "unchanged"


def test_repeats_expose_flaky_examples_and_pass_at_k():
    calls: dict[str, int] = {}

    def flaky(question: str) -> str:  # "a" always right, "b" right on its 1st of 3 calls, "c" never
        calls[question] = calls.get(question, 0) + 1
        return "ok" if question == "a" or (question == "b" and calls[question] == 1) else "no"

    examples = [Example(q, q, "ok") for q in "abc"]
    run = evaluate(examples, flaky, [ExactMatch()], repeat=3)
    assert [(e.id, e.attempt, e.passed) for e in run.examples][:4] == [
        ("a", 0, True),
        ("a", 1, True),
        ("a", 2, True),
        ("b", 0, True),
    ]
    assert run.flaky() == ["b"]
    assert run.pass_at_k() == {
        1: pytest.approx((1 + 1 / 3) / 3, abs=1e-6),
        2: pytest.approx((1 + 2 / 3) / 3, abs=1e-6),
        3: pytest.approx(2 / 3, abs=1e-6),
    }
    data = run.to_dict()
    assert (data["repeat"], data["flaky"], data["pass_at_k"]["3"]) == (3, ["b"], 0.666667)
    assert EvaluationRun.from_dict(data).outcomes() == {"a": 1.0, "b": pytest.approx(1 / 3), "c": 0.0}
    console = Console(file=io.StringIO(), width=160, color_system=None)
    print_run(run, console)
    assert (
        "3 attempts per example: pass@1 44.4%, pass@2 55.6%, pass@3 66.7%; 1 flaky" in console.file.getvalue()
    )
    steady = evaluate(examples, lambda q: "ok" if q == "a" else "no", [ExactMatch()], repeat=3)
    change = compare_runs(run, steady).evaluators[0]
    assert change.significance.test == "bootstrap"  # outcomes are shares of attempts, not 1 or 0
    assert next((c.example_id, c.before, c.after) for c in compare_runs(run, steady).regressions) == (
        "b",
        pytest.approx(1 / 3),
        0.0,
    )


def test_compare_cli_exit_codes_and_reports(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    before = many(180).save(tmp_path / "before.json")
    after = many(150).save(tmp_path / "after.json")
    assert main(["eval", "compare", str(before), str(after)]) == 0
    assert "REGRESSED" in capsys.readouterr().out
    assert main(["eval", "compare", str(before), str(after), "--fail-on-regression"]) == 1
    assert (
        main(["eval", "compare", str(before), str(after), "--fail-on-regression", "--tolerance", "0.2"]) == 0
    )
    assert main(["eval", "compare", str(after), str(before), "--fail-on-regression"]) == 0
    capsys.readouterr()
    outputs = [tmp_path / name for name in ("c.json", "c.md", "c.html")]
    argv = ["eval", "compare", str(before), str(after), "--json", str(outputs[0])]
    assert main([*argv, "--markdown", str(outputs[1]), "--html", str(outputs[2])]) == 0
    data = json.loads(outputs[0].read_text())
    assert data["format"] == "otel-llm.evaluation.comparison/1" and data["regressed"] is True
    assert data["evaluators"][0]["verdict"] == "regressed"
    assert data["evaluators"][0]["significance"]["test"] == "mcnemar"
    markdown = outputs[1].read_text()
    assert "**Regressed** (tolerance 0.0%, significance level 0.05)." in markdown
    assert re.search(
        r"\| exact_match \| 90.0% \| 75.0% \| -15.0% \| \[-20.0%, -10.5%\] \| "
        r"[0-9.e-]+ \(mcnemar\) \| 🔴 regressed \|",
        markdown,
    )
    page = outputs[2].read_text()
    assert "<th>output in eval-" in page and '<tr class="fell"><td>20</td>' in page
    assert "<pre>ok</pre></td><td><pre>no</pre>" in page  # before and after, side by side
    (tmp_path / "other.json").write_text('{"format": "something else"}')
    assert main(["eval", "compare", str(before), str(tmp_path / "other.json")]) == 2
    assert "cannot read the reports: not an otel-llm evaluation report" in capsys.readouterr().err


def test_markdown_escapes_user_text():
    from otel_llm.evaluation.comparison_report import render_markdown

    examples = [Example("a|b", "q", "x")]
    before = evaluate(examples, lambda q: "x", [ExactMatch()], name="v1 <b>")
    after = evaluate(examples, lambda q: "y`|<script>", [Contains()], name="v2")
    text = render_markdown(compare_runs(before, after))
    assert "v1 &lt;b&gt; → v2" in text and "<script>" not in text and "a\\|b" in text


def test_segments_summarise_each_metadata_value_and_the_gap(capsys):
    examples = [
        Example(str(i), f"q{i}", "yes", metadata={"lang": lang} if lang else {})
        for i, lang in enumerate(["en", "en", "de", "de", "fr", None])
    ]
    outputs = iter(["yes", "yes", "yes", "no", "no", "yes"])
    run = OfflineRunner(lambda q: next(outputs), [ExactMatch()]).run(examples, group_by=["lang"])
    segments = run.segments("lang")
    assert {k: v["exact_match"].pass_rate for k, v in segments.groups.items()} == {
        "en": 1.0,
        "de": 0.5,
        "fr": 0.0,
        "(none)": 1.0,
    }
    assert segments.gaps["exact_match"].to_dict() == {
        "name": "exact_match",
        "best": "en",
        "worst": "fr",
        "gap": 1.0,
    }
    assert run.to_dict()["segments"]["lang"]["gaps"]["tests"]["gap"] == 1.0
    assert EvaluationRun.from_dict(run.to_dict()).group_by == ["lang"]
    console = Console(file=io.StringIO(), width=160, color_system=None)
    print_run(run, console)
    assert re.search(r"de\s+│\s+2 │\s+50.0% │\s+50.0%", console.file.getvalue())
    page = render_html(run)
    assert "<h2>By lang</h2>" in page and "<td>100.0% (en &gt; fr)</td>" in page
    assert [e["metadata"] for e in report_data(page)["examples"]][2:] == [
        {"lang": "de"},
        {"lang": "de"},
        {"lang": "fr"},
        {},
    ]
