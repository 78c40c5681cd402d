"""``record_feedback``: user feedback lands as a ``gen_ai.evaluation.result`` beside the judged span."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanContext, TraceFlags

import openai
import otel_llm
from otel_llm.evaluation import (
    FeedbackConfig,
    FeedbackError,
    configure_feedback,
    feedback_token,
    install_span_hooks,
    record_feedback,
)
from otel_llm.evaluation.feedback import read_token

ROOT = Path(__file__).resolve().parents[2]


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
    assert tuple(point.explicit_bounds) == tuple(round(0.05 * step, 2) for step in range(1, 21))


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
    points = otel.metric_points()
    assert "otel_llm.evaluation.score" not in points  # a label alone has no value to record
    (point,) = points["otel_llm.evaluation.value"]  # 5 is no score in [0, 1]
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


def test_a_token_from_the_answering_process_links_feedback_recorded_in_another(otel, fake_openai):
    server = fake_openai(lambda body: "Press Forgot password on the sign-in page.")
    done = subprocess.run(
        [sys.executable, "-m", "tests.evaluation.feedback_app", server.base_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "OTEL_TRACES_EXPORTER": "none",
            "OTEL_LOGS_EXPORTER": "none",
            "OTEL_METRICS_EXPORTER": "none",
        },
    )
    assert done.returncode == 0, done.stderr
    answered = json.loads(done.stdout)
    assert answered["token"].startswith("olf1.") and len(answered["token"]) < 200

    linked = otel_llm.record_feedback(token=answered["token"], label="thumbs_up")

    assert (linked.trace_id, linked.span_id, linked.is_remote) == (
        answered["trace_id"],
        answered["span_id"],
        True,
    )
    (event,) = feedback_events(otel)
    assert (event.trace_id, event.span_id) == (answered["trace_id"], answered["span_id"])
    assert dict(event.attributes) == {
        "gen_ai.evaluation.name": "user_feedback",
        "gen_ai.evaluation.score.label": "thumbs_up",
        "gen_ai.response.id": answered["response_id"],
    }
    (count,) = otel.metric_points()["otel_llm.evaluation.feedback"]  # label-only feedback is counted
    assert (dict(count.attributes), count.value) == (
        {"gen_ai.evaluation.name": "user_feedback", "gen_ai.evaluation.score.label": "thumbs_up"},
        1,
    )
    assert "otel_llm.evaluation.score" not in otel.metric_points()


def test_a_token_carries_the_w3c_trace_context_and_nothing_else(otel):
    with trace.get_tracer("app").start_as_current_span("answer") as span:
        token = feedback_token(response_id="chatcmpl-7")
    context = span.get_span_context()
    body = token.removeprefix("olf1.")
    assert json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))) == {
        "traceparent": f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}",
        "response_id": "chatcmpl-7",
    }
    assert read_token(token) == (
        SpanContext(context.trace_id, context.span_id, True, TraceFlags(context.trace_flags)),
        "chatcmpl-7",
    )


@pytest.mark.parametrize(
    "token",
    ["", "olf1.", "olf1.!!!", "olf2." + "e30", "olf1." + "W10", "olf1." + "x" * 3000, "olf1.eyJhIjoxfQ"],
)
def test_a_token_that_cannot_be_read_is_refused(token, otel):
    with pytest.raises(FeedbackError):
        record_feedback(token=token, label="x")
    assert feedback_events(otel) == []


def test_a_token_without_a_span_records_unlinked_feedback_with_a_warning(otel, caplog):
    token = feedback_token(response_id="chatcmpl-gone")  # no span seen, none current
    with caplog.at_level("WARNING", logger="otel_llm.evaluation.feedback"):
        assert record_feedback(token=token, score=1.0) is None
    assert "feedback 'user_feedback' cannot be linked to a span (response id chatcmpl-gone)" in caplog.text
    (event,) = feedback_events(otel)
    assert (event.span_id, event.attributes["gen_ai.response.id"]) == (0, "chatcmpl-gone")


def test_configured_feedback_is_validated(otel):
    configure_feedback(
        FeedbackConfig("stars", "numeric", minimum=1, maximum=5),
        FeedbackConfig("reason", "categorical", categories=("wrong", "rude", "slow")),
        FeedbackConfig("thumbs", "boolean", labels=("thumbs_down", "thumbs_up")),
    )
    with trace.get_tracer("app").start_as_current_span("answer"):
        record_feedback(name="stars", score=4)
        record_feedback(name="reason", label="slow")
        record_feedback(name="thumbs", score=True)
        record_feedback(name="thumbs", label="thumbs_down")
        for bad, message in [
            ({"name": "stars", "score": 6}, r"'stars' must be within \[1, 5\], got 6"),
            ({"name": "stars", "label": "great"}, "'stars' is numeric: give a finite score"),
            ({"name": "stars", "score": float("nan")}, "finite"),
            ({"name": "reason", "label": "ugly"}, r"'reason' must be one of \['wrong', 'rude', 'slow'\]"),
            ({"name": "reason", "score": 1}, "categorical: give a label"),
            ({"name": "thumbs", "score": 0.5}, "'thumbs' is boolean"),
        ]:
            with pytest.raises(FeedbackError, match=message):
                record_feedback(**bad)
    recorded = [
        (
            e.attributes["gen_ai.evaluation.name"],
            e.attributes.get("gen_ai.evaluation.score.value"),
            e.attributes.get("gen_ai.evaluation.score.label"),
        )
        for e in feedback_events(otel)
    ]
    assert recorded == [
        ("stars", 4.0, None),
        ("reason", None, "slow"),
        ("thumbs", 1.0, "thumbs_up"),
        ("thumbs", 0.0, "thumbs_down"),
    ]
    counts = {
        (p.attributes["gen_ai.evaluation.name"], p.attributes["gen_ai.evaluation.score.label"]): p.value
        for p in otel.metric_points()["otel_llm.evaluation.feedback"]
    }
    assert counts == {("reason", "slow"): 1, ("thumbs", "thumbs_up"): 1, ("thumbs", "thumbs_down"): 1}
    with pytest.raises(ValueError, match="needs categories"):
        FeedbackConfig("empty", "categorical")
