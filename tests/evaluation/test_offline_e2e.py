"""Shared datasets end to end: the real openai SDK, instrumented, against the demo's fake provider."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.trace import format_span_id, format_trace_id

from otel_llm.cli.main import main
from otel_llm.evaluation import evaluate, load_dataset
from otel_llm.evaluation.evaluators import Bleu, ExactMatch, NumericMatch, RougeL, StringSimilarity
from otel_llm.evaluation.evaluators.text import final_number

from .conftest import last_user_text
from .eval_app import answer, answer_async

DATA = Path(__file__).parent / "data"
GSM8K = load_dataset(DATA / "gsm8k_test_sample.jsonl")
DOC_QA = load_dataset(DATA / "hf_doc_qa_eval.csv")
WRONG_GSM8K = {example.input for index, example in enumerate(GSM8K) if index % 4 == 3}  # 5 of 20


def gsm8k_responder(body: dict) -> str:
    question = last_user_text(body)
    gold = final_number(next(e.expected for e in GSM8K if e.input == question))
    if question in WRONG_GSM8K:
        return f"I believe the answer is {gold + 1}."
    return f"Working through it step by step.\n#### {gold}"


def doc_qa_responder(body: dict) -> str:
    question = last_user_text(body)
    index = next(i for i, e in enumerate(DOC_QA) if e.input == question)
    return "I am not sure." if index % 3 == 0 else DOC_QA[index].expected


def evaluation_events(otel) -> list:
    return [record for record in otel.logs() if record.event_name == "gen_ai.evaluation.result"]


def histogram(otel, instruments=("otel_llm.evaluation.score", "otel_llm.evaluation.latency")) -> Counter:
    """(evaluator, label, source) -> (count, sum) of the score histograms (the [0, 1] and the seconds one)."""
    points = otel.metric_points()
    return {
        (
            point.attributes["gen_ai.evaluation.name"],
            point.attributes.get("gen_ai.evaluation.score.label"),
            point.attributes["otel_llm.evaluation.source"],
        ): (point.count, round(point.sum, 6))
        for name in instruments
        for point in points.get(name, [])
    }


def test_gsm8k_cli_run_fails_its_threshold_with_exact_telemetry(instrumented, fake_openai, tmp_path, capsys):
    otel = instrumented
    fake_openai(gsm8k_responder)
    report, page = tmp_path / "gsm8k.json", tmp_path / "gsm8k.html"
    code = main(
        [
            "eval",
            "--dataset",
            str(DATA / "gsm8k_test_sample.jsonl"),
            "--target",
            "tests.evaluation.eval_app:answer",
            "-e",
            "numeric_match",
            "-e",
            "regex=####",
            "-e",
            "latency=30",
            "--threshold",
            "numeric_match=0.8",
            "--threshold",
            "latency=1",
            "--name",
            "gsm8k-sample",
            "--json",
            str(report),
            "--html",
            str(page),
            "--trace-url",
            "http://127.0.0.1:16686/trace/{trace_id}",
        ]
    )
    assert code == 1
    out = capsys.readouterr().out
    assert "FAIL threshold numeric_match.pass_rate >= 0.8 (actual 0.750)" in out
    assert "PASS threshold latency.pass_rate >= 1 (actual 1.000)" in out

    data = json.loads(report.read_text())
    assert data["passed"] is False
    assert data["summary"]["numeric_match"] == {
        "name": "numeric_match",
        "count": 20,
        "passed": 15,
        "failed": 5,
        "errors": 0,
        "mean": 0.75,
        "pass_rate": 0.75,
    }
    assert data["summary"]["regex"]["passed"] == 15
    assert data["thresholds"] == [
        {
            "threshold": "numeric_match.pass_rate >= 0.8",
            "evaluator": "numeric_match",
            "actual": 0.75,
            "passed": False,
        },
        {"threshold": "latency.pass_rate >= 1", "evaluator": "latency", "actual": 1.0, "passed": True},
    ]
    fourth = data["examples"][3]
    gold = final_number(GSM8K[3].expected)
    assert fourth["output"] == f"I believe the answer is {gold + 1}."
    assert fourth["scores"][0]["explanation"] == f"expected {gold}, got {gold + 1}"
    html = page.read_text()
    assert "<h1>Evaluation gsm8k-sample</h1>" in html
    trace_id = data["examples"][0]["trace_id"]
    assert f'"trace_href": "http://127.0.0.1:16686/trace/{trace_id}"' in html

    chats = [span for span in otel.spans() if span.name == "chat gpt-4o-mini"]
    roots = {span.context.span_id: span for span in otel.spans() if span.name == "eval.example"}
    assert len(chats) == 20 and len(roots) == 20
    assert all(chat.parent.span_id in roots for chat in chats)
    by_span = {(chat.context.trace_id, chat.context.span_id): chat for chat in chats}

    events = evaluation_events(otel)
    assert len(events) == 60
    for example, event_group in zip(
        data["examples"], [events[i : i + 3] for i in range(0, 60, 3)], strict=True
    ):
        chat = by_span[(event_group[0].trace_id, event_group[0].span_id)]
        assert (example["trace_id"], example["span_id"]) == (
            format_trace_id(chat.context.trace_id),
            format_span_id(chat.context.span_id),
        )
        response_id = chat.attributes["gen_ai.response.id"]
        assert example["response_id"] == response_id
        assert {(e.trace_id, e.span_id) for e in event_group} == {
            (chat.context.trace_id, chat.context.span_id)
        }
        numeric = dict(event_group[0].attributes)
        passed = example["input"] not in WRONG_GSM8K
        expected = {
            "gen_ai.evaluation.name": "numeric_match",
            "gen_ai.evaluation.score.value": 1.0 if passed else 0.0,
            "gen_ai.evaluation.score.label": "pass" if passed else "fail",
            "gen_ai.response.id": response_id,
        }
        if not passed:
            expected["gen_ai.evaluation.explanation"] = example["scores"][0]["explanation"]
        assert numeric == expected
        latency = dict(event_group[2].attributes)
        assert latency["gen_ai.evaluation.score.value"] == example["scores"][2]["value"]
        assert latency["gen_ai.evaluation.score.value"] == pytest.approx(
            (chat.end_time - chat.start_time) / 1e9, abs=1e-6
        )

    points = histogram(otel)
    assert points[("numeric_match", "pass", "offline")] == (15, 15.0)
    assert points[("numeric_match", "fail", "offline")] == (5, 0.0)
    assert points[("regex", "pass", "offline")] == (15, 15.0)
    assert points[("latency", "pass", "offline")][0] == 20


def test_doc_qa_from_python_with_concurrency_keeps_examples_apart(instrumented, fake_openai):
    otel = instrumented
    fake_openai(doc_qa_responder)
    run = evaluate(
        DOC_QA,
        answer,
        [ExactMatch(), RougeL(), Bleu(), StringSimilarity()],
        ["exact_match=0.6"],
        concurrency=4,
    )
    run.assert_passed()
    summary = run.summaries()
    assert (summary["exact_match"].passed, summary["exact_match"].failed) == (44, 22)
    # Two expected answers of the dataset ("##" and "") have no word tokens: ROUGE-L is 0 even for a copy.
    wordless = {i for i, e in enumerate(DOC_QA) if e.expected in ("##", "")}
    assert wordless == {37, 49}
    assert summary["rouge_l"].passed == 42
    assert all(
        e.score("rouge_l").value == 1.0 for i, e in enumerate(run.examples) if i % 3 and i not in wordless
    )
    assert all(e.score("rouge_l").value < 0.5 for i, e in enumerate(run.examples) if i % 3 == 0)

    chats = {span.context.span_id: span for span in otel.spans() if span.name == "chat gpt-4o-mini"}
    assert len(chats) == 66
    for example in run.examples:  # each example's scores hang off the span of its own call
        chat = chats[int(example.span_id, 16)]
        sent = json.loads(chat.attributes["gen_ai.input.messages"])[0]["parts"][0]["content"]
        got = json.loads(chat.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"]
        assert (sent.strip(), got) == (example.input, example.output)
    events = evaluation_events(otel)
    assert len(events) == 66 * 4
    assert {format_span_id(e.span_id) for e in events} == {e.span_id for e in run.examples}
    points = histogram(otel)
    assert points[("exact_match", "pass", "offline")] == (44, 44.0)
    assert points[("exact_match", "fail", "offline")] == (22, 0.0)


def test_async_target_runs_in_its_example_trace(instrumented, fake_openai):
    fake_openai(gsm8k_responder)
    run = evaluate(GSM8K[:4], answer_async, [NumericMatch()], concurrency=2)
    assert [e.score("numeric_match").passed for e in run.examples] == [True, True, True, False]
    chats = {s.context.span_id: s for s in instrumented.spans() if s.name == "chat gpt-4o-mini"}
    roots = {s.context.span_id for s in instrumented.spans() if s.name == "eval.example"}
    assert {chats[int(e.span_id, 16)].parent.span_id for e in run.examples} == roots


def test_cli_exits_zero_when_thresholds_hold(instrumented, fake_openai, tmp_path, capsys):
    fake_openai(gsm8k_responder)
    code = main(
        [
            "eval",
            "run",
            "-d",
            str(DATA / "gsm8k_test_sample.jsonl"),
            "-t",
            "tests.evaluation.eval_app:answer",
            "-e",
            "numeric_match",
            "--threshold",
            "numeric_match=0.75",
            "--limit",
            "8",
        ]
    )
    assert code == 0
    assert "PASS threshold numeric_match.pass_rate >= 0.75 (actual 0.750)" in capsys.readouterr().out


def test_target_without_llm_call_parents_events_to_the_example_span(otel):
    with trace.get_tracer("test").start_as_current_span("test session"):
        run = evaluate(GSM8K[:2], lambda question: "#### 0", [ExactMatch()], concurrency=2)
    roots = {span.context.span_id for span in otel.spans() if span.name == "eval.example"}
    assert len({span.context.trace_id for span in otel.spans() if span.name == "eval.example"}) == 2
    events = evaluation_events(otel)
    assert len(events) == 2 and {e.span_id for e in events} == roots
    assert "gen_ai.response.id" not in events[0].attributes
    assert run.examples[0].response_id is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "-t", "x:y", "-e", "exact_match"], "give a suite file, or --dataset"),
        (["eval", "-d", "d.jsonl", "-t", "x:y"], "give at least one --evaluator"),
        (["eval", "-d", "d.jsonl", "-t", "x:y", "-e", "bogus"], "unknown evaluator 'bogus'"),
        (["eval", "-d", "missing.jsonl", "-t", "x:y", "-e", "exact_match"], "No such file"),
        (
            [
                "eval",
                "-d",
                str(DATA / "gsm8k_test_sample.jsonl"),
                "-t",
                "no_such_module:f",
                "-e",
                "exact_match",
            ],
            "cannot load target no_such_module:f: No module named 'no_such_module'",
        ),
        (
            ["eval", "-d", str(DATA / "gsm8k_test_sample.jsonl"), "-t", "json", "-e", "exact_match"],
            "target must be module:function, got 'json'",
        ),
    ],
)
def test_cli_usage_errors_exit_2(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_gsm8k_final_answers_are_whole_numbers():
    assert all(final_number(e.expected) == int(final_number(e.expected)) for e in GSM8K)
    assert isinstance(final_number(GSM8K[0].expected), Decimal)
