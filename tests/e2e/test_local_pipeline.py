"""local.yaml end to end: workload → otelcol-llm → Jaeger and Prometheus, checked over their HTTP APIs."""

from __future__ import annotations

import json
import math

import pytest

from otel_llm.demo.fake_server import FAILING_MODEL, count_tokens, default_responder

from ..evaluation.test_score_units import OTHER_BUCKETS, RATIO_BUCKETS, SECONDS_BUCKETS, USD_BUCKETS
from .conftest import CONTENT_MAX_CHARS, LocalPipeline
from .helpers import Call, eventually, span_named, span_tags
from .workload import GUARDED_EMAIL, LONG_PROMPT_CHARS, LOW_SCORE, SEEDED_API_KEY, SEEDED_EMAIL, UNIT_SCORES

pytestmark = pytest.mark.e2e

ROUNDS = 4
GPT_4O_MINI_CALLS = 5 * ROUNDS
"""Per round, chat, secret, long, guarded and evaluated call gpt-4o-mini."""


def calls_of(pipeline: LocalPipeline, kind: str) -> list[Call]:
    found = [call for call in pipeline.calls if call.kind == kind]
    assert len(found) == ROUNDS
    return found


def test_chat_trace_arrives_with_genai_attributes_and_parent_link(local_pipeline: LocalPipeline) -> None:
    messages = [{"role": "user", "content": "What is OpenTelemetry?"}]
    for call in calls_of(local_pipeline, "chat"):
        trace = local_pipeline.jaeger.wait_for_trace(call.trace_id, spans=2)
        root = span_named(trace, "workload chat")
        chat = span_named(trace, "chat gpt-4o-mini")
        assert root["spanID"] == call.parent_span_id and root["references"] == []
        assert chat["references"] == [
            {"refType": "CHILD_OF", "traceID": call.trace_id, "spanID": root["spanID"]}
        ]
        assert trace["processes"][chat["processID"]]["serviceName"] == "e2e-local"
        tags = span_tags(chat)
        assert {
            key: tags[key]
            for key in (
                "gen_ai.operation.name",
                "gen_ai.provider.name",
                "gen_ai.request.model",
                "gen_ai.response.model",
                "gen_ai.usage.input_tokens",
                "gen_ai.usage.output_tokens",
                "span.kind",
            )
        } == {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.usage.input_tokens": count_tokens(json.dumps(messages)),
            "gen_ai.usage.output_tokens": count_tokens(default_responder({"messages": messages})),
            "span.kind": "client",
        }
        assert json.loads(tags["gen_ai.output.messages"])[0]["parts"][0]["content"] == default_responder(
            {"messages": messages}
        )


def test_streaming_trace_records_time_to_first_chunk(local_pipeline: LocalPipeline) -> None:
    for call in calls_of(local_pipeline, "stream"):
        tags = span_tags(
            span_named(local_pipeline.jaeger.wait_for_trace(call.trace_id, spans=2), "chat gpt-4o")
        )
        assert tags["gen_ai.request.stream"] is True
        assert 0 < tags["gen_ai.response.time_to_first_chunk"] < 5


def test_failed_call_trace_has_error_status_and_type(local_pipeline: LocalPipeline) -> None:
    for call in calls_of(local_pipeline, "fail"):
        trace = local_pipeline.jaeger.wait_for_trace(call.trace_id, spans=2)
        tags = span_tags(span_named(trace, f"chat {FAILING_MODEL}"))
        assert (tags["otel.status_code"], tags["error.type"], tags["error"]) == (
            "ERROR",
            "NotFoundError",
            True,
        )


def test_seeded_email_and_api_key_never_reach_jaeger_or_the_log_file(local_pipeline: LocalPipeline) -> None:
    for call in calls_of(local_pipeline, "secret"):
        trace = local_pipeline.jaeger.wait_for_trace(call.trace_id, spans=2)
        raw = json.dumps(trace)
        assert SEEDED_EMAIL not in raw and SEEDED_API_KEY not in raw
        tags = span_tags(span_named(trace, "chat gpt-4o-mini"))
        (message,) = json.loads(tags["gen_ai.input.messages"])
        assert message["parts"][0]["content"] == "My e-mail is **** and my key is ****; please remember both."
        assert tags["redaction.masked.count"] == 1
    logged = eventually(lambda: local_pipeline.logs_file.exists() and local_pipeline.logs_file.read_text())
    assert "My e-mail is **** and my key is ****; please remember both." in logged
    assert SEEDED_EMAIL not in logged and SEEDED_API_KEY not in logged


def test_genai_content_is_truncated_to_the_configured_size(local_pipeline: LocalPipeline) -> None:
    for call in calls_of(local_pipeline, "long"):
        tags = span_tags(
            span_named(local_pipeline.jaeger.wait_for_trace(call.trace_id, spans=2), "chat gpt-4o-mini")
        )
        assert len(tags["gen_ai.input.messages"]) == CONTENT_MAX_CHARS < LONG_PROMPT_CHARS


def _value(pipeline: LocalPipeline, promql: str) -> float | None:
    result = pipeline.prometheus.query(promql)
    return float(result[0]["value"][1]) if len(result) == 1 else None


def test_genai_metrics_reach_prometheus_with_expected_labels(local_pipeline: LocalPipeline) -> None:
    chat_count = 'gen_ai_client_operation_duration_seconds_count{gen_ai_request_model="gpt-4o-mini"}'
    eventually(lambda: _value(local_pipeline, chat_count) == GPT_4O_MINI_CALLS)
    (series,) = local_pipeline.prometheus.series_labels(chat_count)
    assert {
        key: series[key]
        for key in (
            "gen_ai_operation_name",
            "gen_ai_provider_name",
            "gen_ai_request_model",
            "gen_ai_response_model",
            "job",
        )
    } == {
        "gen_ai_operation_name": "chat",
        "gen_ai_provider_name": "openai",
        "gen_ai_request_model": "gpt-4o-mini",
        "gen_ai_response_model": "gpt-4o-mini-2024-07-18",
        "job": "e2e-local",
    }
    assert "error_type" not in series
    failed = (
        "gen_ai_client_operation_duration_seconds_count"
        f'{{error_type="NotFoundError",gen_ai_request_model="{FAILING_MODEL}"}}'
    )
    assert eventually(lambda: _value(local_pipeline, failed) == ROUNDS)
    token_types = local_pipeline.prometheus.query(
        'sum by (gen_ai_token_type) (gen_ai_client_token_usage_count{gen_ai_request_model="gpt-4o-mini"})'
    )
    assert {row["metric"]["gen_ai_token_type"]: float(row["value"][1]) for row in token_types} == {
        "input": GPT_4O_MINI_CALLS,
        "output": GPT_4O_MINI_CALLS,
    }
    ttft = 'gen_ai_client_operation_time_to_first_chunk_seconds_count{gen_ai_request_model="gpt-4o"}'
    assert eventually(lambda: _value(local_pipeline, ttft) == ROUNDS)
    cost = _value(local_pipeline, "sum(otel_llm_client_operation_cost_total)")
    assert cost is not None and cost > 0


def test_spanmetrics_count_every_span(local_pipeline: LocalPipeline) -> None:
    calls = 'traces_span_metrics_calls_total{service_name="e2e-local",span_name="chat gpt-4o-mini"}'
    eventually(lambda: _value(local_pipeline, calls) == GPT_4O_MINI_CALLS)
    errors = (
        f'traces_span_metrics_calls_total{{span_name="chat {FAILING_MODEL}",status_code="STATUS_CODE_ERROR"}}'
    )
    assert eventually(lambda: _value(local_pipeline, errors) == ROUNDS)


def test_guardrail_span_joins_the_trace_of_the_call_it_guarded(local_pipeline: LocalPipeline) -> None:
    for call in calls_of(local_pipeline, "guarded"):
        trace = local_pipeline.jaeger.wait_for_trace(call.trace_id, spans=3)
        guardrail = span_named(trace, "apply_guardrail otel-llm guardrails")
        assert guardrail["references"][0]["spanID"] == call.parent_span_id
        tags = span_tags(guardrail)
        assert (tags["otel_llm.guardrail.outcome"], tags["gen_ai.guardrail.policy.id"]) == (
            "redact",
            "e2e-pii",
        )
        assert GUARDED_EMAIL not in json.dumps(trace)


def test_guardrail_and_evaluation_metrics_reach_prometheus(local_pipeline: LocalPipeline) -> None:
    checks = 'sum(otel_llm_guardrail_checks_total{otel_llm_guardrail_outcome="redact"})'
    assert eventually(lambda: _value(local_pipeline, checks) == ROUNDS)
    scores = 'otel_llm_evaluation_score_sum{gen_ai_evaluation_name="relevance"}'
    assert eventually(lambda: _value(local_pipeline, scores) == ROUNDS * LOW_SCORE)


def test_score_histograms_keep_units_apart_with_their_buckets(local_pipeline: LocalPipeline) -> None:
    """Scores in [0, 1], seconds, dollars and counts arrive as four histograms, each with its buckets."""
    expected = {
        "otel_llm_evaluation_score_bucket": ("relevance", RATIO_BUCKETS),
        "otel_llm_evaluation_latency_seconds_bucket": ("latency", SECONDS_BUCKETS),
        "otel_llm_evaluation_cost_bucket": ("cost", USD_BUCKETS),
        "otel_llm_evaluation_value_bucket": ("guardrail_findings", OTHER_BUCKETS),
    }
    unit_names = {name for name, _ in expected.values()}
    for metric, (name, buckets) in expected.items():
        series = eventually(lambda metric=metric: local_pipeline.prometheus.series_labels(metric))
        names = {labels["gen_ai_evaluation_name"] for labels in series}
        assert name in names and not (unit_names - {name}) & names, (metric, names)  # no unit mixed in
        bounds = sorted({float(s["le"]) for s in series if s["gen_ai_evaluation_name"] == name} - {math.inf})
        assert bounds == [float(bound) for bound in buckets], metric
    for (score, _unit), metric in zip(UNIT_SCORES, ("latency_seconds", "cost", "value"), strict=True):
        total = f'sum(otel_llm_evaluation_{metric}_sum{{gen_ai_evaluation_name="{score.name}"}})'
        want = ROUNDS * score.value
        assert eventually(lambda total=total, want=want: _value(local_pipeline, total) == pytest.approx(want))
