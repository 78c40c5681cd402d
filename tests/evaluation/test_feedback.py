"""``record_feedback``: user feedback lands as a ``gen_ai.evaluation.result`` beside the judged span."""

from __future__ import annotations

import subprocess
import sys

import pytest
from opentelemetry import trace

import openai
from otel_llm.evaluation import install_span_hooks, record_feedback


def feedback_events(otel) -> list:
    return [r for r in otel.logs() if r.event_name == "gen_ai.evaluation.result"]


def test_feedback_by_response_id_for_a_past_response_is_linked_to_its_span(instrumented, fake_openai):
    otel = instrumented
    install_span_hooks()  # done once at start-up, before the responses to be judged are made
    server = fake_openai(lambda body: "Try turning it off and on again.")
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    earlier = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Help!"}]
    )
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Another one"}])
    first_span = next(s for s in otel.spans() if s.attributes["gen_ai.response.id"] == earlier.id)

    linked = record_feedback(response_id=earlier.id, score=0.0, label="thumbs_down", comment="Did not help.")

    assert linked == first_span.context
    (event,) = feedback_events(otel)
    assert (event.trace_id, event.span_id) == (first_span.context.trace_id, first_span.context.span_id)
    assert dict(event.attributes) == {
        "gen_ai.evaluation.name": "user_feedback",
        "gen_ai.evaluation.score.value": 0.0,
        "gen_ai.evaluation.score.label": "thumbs_down",
        "gen_ai.evaluation.explanation": "Did not help.",
        "gen_ai.response.id": earlier.id,
    }
    (point,) = otel.metric_points()["otel_llm.evaluation.score"]
    assert dict(point.attributes) == {
        "gen_ai.evaluation.name": "user_feedback",
        "gen_ai.evaluation.score.label": "thumbs_down",
        "otel_llm.evaluation.source": "feedback",
    }
    assert (point.count, point.sum) == (1, 0.0)
    assert tuple(point.explicit_bounds) == (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3, 4, 5, 10)


def test_feedback_by_span_context_and_on_the_current_span(otel):
    tracer = trace.get_tracer("app")
    with tracer.start_as_current_span("answer") as answer:
        context = answer.get_span_context()
        record_feedback(label="helpful")  # no id given: the current span is judged
    record_feedback(span_context=context, score=5, name="rating")
    label_only, rating = feedback_events(otel)
    assert (label_only.span_id, rating.span_id) == (context.span_id, context.span_id)
    assert dict(label_only.attributes) == {
        "gen_ai.evaluation.name": "user_feedback",
        "gen_ai.evaluation.score.label": "helpful",
    }
    assert dict(rating.attributes) == {
        "gen_ai.evaluation.name": "rating",
        "gen_ai.evaluation.score.value": 5.0,
    }
    (point,) = otel.metric_points()["otel_llm.evaluation.score"]  # a label alone has no value to record
    assert point.attributes["gen_ai.evaluation.name"] == "rating"


def test_feedback_on_an_unknown_response_names_it_without_guessing_a_span(otel):
    tracer = trace.get_tracer("app")
    with tracer.start_as_current_span("feedback endpoint"):
        linked = record_feedback(response_id="chatcmpl-unknown", score=1)
    assert linked is None
    (event,) = feedback_events(otel)
    assert (event.trace_id, event.span_id) == (0, 0)
    assert event.attributes["gen_ai.response.id"] == "chatcmpl-unknown"


def test_feedback_needs_a_score_or_a_label():
    with pytest.raises(ValueError, match="needs a score or a label"):
        record_feedback(response_id="chatcmpl-1")


def test_feedback_and_the_online_sampler_need_no_eval_extra():
    extras = ("rapidfuzz", "jsonschema", "rouge_score", "sacrebleu", "rich")
    code = (
        "import sys; import otel_llm.evaluation as e; e.record_feedback; e.SamplingEvaluator; "
        f"print([m for m in {extras!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
