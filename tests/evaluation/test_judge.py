"""Model-graded evaluators through the instrumented OpenAI SDK: the judge's call is traced and marked."""

from __future__ import annotations

import json

import pytest

import openai
from otel_llm.cli.main import main
from otel_llm.evaluation import evaluate, render_html
from otel_llm.evaluation.datasets import Example
from otel_llm.evaluation.evaluators import AnswerRelevance, Faithfulness, RubricJudge
from otel_llm.evaluation.evaluators.judge import parse_judge_reply

from .conftest import last_user_text
from .eval_app import answer, answer_with_sources

EXAMPLES = [Example("1", "What is the capital of France?", "Paris")]
APP_ANSWER = "The capital of France is Paris."


def responder(judge_reply: str):
    def respond(body: dict) -> str:
        system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
        return judge_reply if system else APP_ANSWER

    return respond


def judge_client(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="judge-key", max_retries=0)


def test_rubric_judge_is_traced_under_the_evaluated_span_and_marked(instrumented, fake_openai):
    otel = instrumented
    server = fake_openai(responder('{"rating": 4, "explanation": "Correct but terse."}'))
    judge = RubricJudge(judge_client(server), "gpt-4o-mini", "The answer names the right city.")
    run = evaluate(EXAMPLES, answer, [judge])

    score = run.examples[0].scores[0]
    assert (score.name, score.value, score.label, score.passed, score.explanation) == (
        "llm_judge",
        0.75,
        "pass",
        True,
        "Correct but terse.",
    )
    assert (run.judge["calls"], run.judge["cached"]) == (1, 0)  # the run reports what its judge spent
    assert run.judge["input_tokens"] > 0 and run.judge["cost_usd"] > 0
    assert f"<dt>judge</dt><dd>1 calls, 0 cached, {run.judge['input_tokens']:,} input" in render_html(run)
    judge_request = server.requests[1]["body"]
    assert judge_request["temperature"] == 0
    assert last_user_text(judge_request) == (
        "Rubric:\nThe answer names the right city.\n\nQuestion:\nWhat is the capital of France?\n\n"
        "Reference answer:\nParis\n\nAnswer to grade:\nThe capital of France is Paris."
    )
    app_span, judge_span = (s for s in otel.spans() if s.name == "chat gpt-4o-mini")
    assert "otel_llm.evaluation.judge" not in app_span.attributes
    assert judge_span.attributes["otel_llm.evaluation.judge"] is True
    assert judge_span.parent.span_id == app_span.context.span_id
    assert judge_span.context.trace_id == app_span.context.trace_id
    (event,) = [r for r in otel.logs() if r.event_name == "gen_ai.evaluation.result"]
    assert (event.trace_id, event.span_id) == (app_span.context.trace_id, app_span.context.span_id)
    assert dict(event.attributes) == {
        "gen_ai.evaluation.name": "llm_judge",
        "gen_ai.evaluation.score.value": 0.75,
        "gen_ai.evaluation.score.label": "pass",
        "gen_ai.evaluation.explanation": "Correct but terse.",
        "gen_ai.response.id": app_span.attributes["gen_ai.response.id"],
    }


def test_rag_relevance_and_faithfulness(instrumented, fake_openai):
    def respond(body: dict) -> str:
        system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
        if "addresses the question" in system:
            return '{"rating": 5, "explanation": "On point."}'
        if "retrieved context" in system:
            assert "Context:\nSource text about: What is the capital of France?" in last_user_text(body)
            reply = {"supported": 2, "total": 3, "explanation": "The population is not in the context."}
            return f"Here you go: {json.dumps(reply)}"
        return APP_ANSWER

    server = fake_openai(respond)
    client = judge_client(server)
    run = evaluate(
        EXAMPLES,
        answer_with_sources,
        [AnswerRelevance(client, "gpt-4o-mini"), Faithfulness(client, "gpt-4o-mini")],
    )
    relevance, faithfulness = run.examples[0].scores
    assert (relevance.value, relevance.label) == (1.0, "pass")
    assert (faithfulness.value, faithfulness.label, faithfulness.explanation) == (
        0.666667,
        "fail",
        "2/3 claims supported. The population is not in the context.",
    )
    judge_spans = [s for s in instrumented.spans() if s.attributes.get("otel_llm.evaluation.judge")]
    assert len(judge_spans) == 2


def test_a_judge_reply_without_json_is_an_evaluation_error(instrumented, fake_openai):
    server = fake_openai(responder("Looks good to me!"))
    run = evaluate(EXAMPLES, answer, [RubricJudge(judge_client(server), "gpt-4o-mini", "Be right.")])
    score = run.examples[0].scores[0]
    assert score.error_type == "JudgeReplyError"
    (event,) = [r for r in instrumented.logs() if r.event_name == "gen_ai.evaluation.result"]
    assert event.attributes["error.type"] == "JudgeReplyError"
    assert "gen_ai.evaluation.score.value" not in event.attributes


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ('{"explanation": "x"}', "lacks rating"),
        ('{"rating": 4,}', "malformed JSON"),
    ],
)
def test_parse_judge_reply_errors(reply, message):
    with pytest.raises(ValueError, match=message):
        parse_judge_reply(reply, ("rating",))


def test_out_of_range_ratings_are_rejected(instrumented, fake_openai):
    server = fake_openai(responder(json.dumps({"rating": 9})))
    run = evaluate(EXAMPLES, answer, [RubricJudge(judge_client(server), "gpt-4o-mini", "Be right.")])
    assert run.examples[0].scores[0].explanation == "JudgeReplyError: rating 9.0 is outside 1-5"


def test_cli_judge_options_reach_the_judge(instrumented, fake_openai, tmp_path, monkeypatch, capsys):
    server = fake_openai(responder('{"rating": 2, "explanation": "Vague."}'))
    monkeypatch.setenv("OPENAI_API_KEY", "judge-key")
    rubric = tmp_path / "rubric.txt"
    rubric.write_text("Names the city and nothing else.")
    dataset = tmp_path / "one.jsonl"
    dataset.write_text(json.dumps({"question": EXAMPLES[0].input, "answer": "Paris"}) + "\n")
    code = main(
        [
            "eval",
            "-d",
            str(dataset),
            "-t",
            "tests.evaluation.eval_app:answer",
            "-e",
            f"llm_judge=@{rubric}",
            "--judge-model",
            "gpt-4o-mini",
            "--judge-base-url",
            server.base_url,
            "--threshold",
            "llm_judge=1",
        ]
    )
    assert code == 1
    assert "FAIL threshold llm_judge.pass_rate >= 1 (actual 0.000)" in capsys.readouterr().out
    assert last_user_text(server.requests[1]["body"]).startswith("Rubric:\nNames the city and nothing else.")
    headers = {key.lower(): value for key, value in server.requests[1]["headers"].items()}
    assert headers["authorization"] == "Bearer judge-key"
