"""Every evaluation result is also an ``evaluation {name}`` span, a child of the span it judges.

Offline runs, the online sampler and user feedback all go through the same recorder; each test drives
one of them with the real OpenAI SDK against the fake provider and checks the span next to the event.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.trace import SpanKind

import openai
from otel_llm.evaluation import SamplingEvaluator, install_span_hooks, record_feedback
from otel_llm.evaluation.datasets import Example
from otel_llm.evaluation.evaluators import ExactMatch, RegexMatch
from otel_llm.evaluation.runner import OfflineRunner

from .eval_app import answer


def evaluation_spans(otel) -> list:
    return [span for span in otel.spans() if span.name.startswith("evaluation ")]


def chat_span(otel, response_id: str):
    (span,) = [
        s
        for s in otel.spans()
        if s.attributes.get("gen_ai.response.id") == response_id and s.attributes.get("gen_ai.operation.name")
    ]
    return span


def assert_child_of(span, parent) -> None:
    assert span.kind is SpanKind.INTERNAL
    assert span.parent is not None
    assert (span.context.trace_id, span.parent.span_id) == (parent.context.trace_id, parent.context.span_id)
    assert span.start_time == span.end_time  # a result, not a duration


def test_offline_result_span_is_a_child_of_the_evaluated_call(instrumented, fake_openai):
    otel = instrumented
    fake_openai(lambda body: "Paris")
    runner = OfflineRunner(answer, [ExactMatch()])
    run = runner.run([Example("q1", "Capital of France?", expected="Paris"), Example("q2", "2+2?", "5")])

    first, second = evaluation_spans(otel)
    assert_child_of(first, chat_span(otel, run.examples[0].response_id))
    assert_child_of(second, chat_span(otel, run.examples[1].response_id))
    assert first.name == "evaluation exact_match"
    assert dict(first.attributes) == {
        "gen_ai.evaluation.name": "exact_match",
        "gen_ai.evaluation.score.value": 1.0,
        "gen_ai.evaluation.score.label": "pass",
        "gen_ai.response.id": run.examples[0].response_id,
        "otel_llm.evaluation.source": "offline",
        "otel_llm.evaluation.passed": True,
    }
    assert second.attributes["gen_ai.evaluation.score.value"] == 0.0
    assert second.attributes["otel_llm.evaluation.passed"] is False
    # the conventions' event stays, with the same parent
    events = [r for r in otel.logs() if r.event_name == "gen_ai.evaluation.result"]
    assert [(e.trace_id, e.span_id) for e in events] == [
        (s.context.trace_id, s.parent.span_id) for s in (first, second)
    ]


def test_online_result_span_is_a_child_of_the_sampled_call(instrumented, fake_openai):
    otel = instrumented
    server = fake_openai(lambda body: "OpenTelemetry is a CNCF project.")
    provider = trace.get_tracer_provider()
    sampler = SamplingEvaluator([RegexMatch("CNCF")], sample_rate=1.0).install(provider)
    try:
        client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
        response = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "What is OpenTelemetry?"}]
        )
        assert sampler.force_flush(5000)
    finally:
        sampler.shutdown()
    (span,) = evaluation_spans(otel)
    assert_child_of(span, chat_span(otel, response.id))
    assert span.name == "evaluation regex"
    assert span.attributes["otel_llm.evaluation.source"] == "online"
    assert span.attributes["otel_llm.evaluation.passed"] is True
    assert span.attributes["gen_ai.evaluation.score.label"] == "pass"


def test_feedback_span_is_a_child_of_the_response_it_judges(instrumented, fake_openai):
    otel = instrumented
    install_span_hooks()
    server = fake_openai(lambda body: "Try turning it off and on again.")
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    response = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "?"}]
    )

    record_feedback(response_id=response.id, score=0.0, label="thumbs_down", comment="Did not help.")

    (span,) = evaluation_spans(otel)
    assert_child_of(span, chat_span(otel, response.id))
    assert span.name == "evaluation user_feedback"
    assert dict(span.attributes) == {
        "gen_ai.evaluation.name": "user_feedback",
        "gen_ai.evaluation.score.value": 0.0,
        "gen_ai.evaluation.score.label": "thumbs_down",
        "gen_ai.evaluation.explanation": "Did not help.",
        "gen_ai.response.id": response.id,
        "otel_llm.evaluation.source": "feedback",
    }
    # a later feedback by the same response id still finds the LLM span, not the evaluation span
    assert record_feedback(response_id=response.id, label="thumbs_up") == chat_span(otel, response.id).context


def test_feedback_on_an_unknown_response_makes_no_orphan_span(otel):
    record_feedback(response_id="chatcmpl-unknown", score=1)
    assert evaluation_spans(otel) == []
