from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.trace import SpanKind, StatusCode

from otel_llm.guardrails import GuardrailViolation, Policy, Rule
from otel_llm.guardrails.detectors.pii import PIIDetector
from otel_llm.guardrails.detectors.text import BannedSubstringsDetector
from otel_llm.guardrails.engine import GuardrailEngine
from otel_llm.guardrails.telemetry import GuardrailTelemetry
from otel_llm.semconv import attributes as A
from otel_llm.semconv import events as E
from otel_llm.semconv import metrics as M

from .conftest import ExplodingDetector

COMMON = {
    A.GEN_AI_GUARDRAIL_COMPONENT_NAME: "otel-llm guardrails",
    A.GEN_AI_GUARDRAIL_POLICY_ID: "telemetry",
    A.GEN_AI_GUARDRAIL_POLICY_VERSION: "7",
}


def policy(*extra: Rule, fail_open: bool = False) -> Policy:
    rules = [
        Rule("pii", PIIDetector(), "redact", "input"),
        Rule("banned", BannedSubstringsDetector(["falcon"]), "block"),
        *extra,
    ]
    return Policy("telemetry", rules, version="7", fail_open=fail_open)


def metric_points(otel, raw: dict | None = None) -> dict[str, dict[tuple, float]]:
    """Metric -> {(rule id, source, outcome): value (sum or count)} with the common attributes checked."""
    found: dict[str, dict[tuple, float]] = {}
    for name, points in (otel.metric_points() if raw is None else raw).items():
        if name not in (M.OTEL_LLM_GUARDRAIL_CHECKS, M.OTEL_LLM_GUARDRAIL_CHECK_DURATION):
            continue
        for point in points:
            attrs = dict(point.attributes)
            assert attrs[A.GEN_AI_GUARDRAIL_COMPONENT_NAME] == "otel-llm guardrails"
            assert attrs[A.GEN_AI_GUARDRAIL_POLICY_ID] == "telemetry"
            key = (
                attrs[A.GEN_AI_GUARDRAIL_POLICY_RULE_ID],
                attrs[A.GEN_AI_GUARDRAIL_SOURCE],
                attrs[A.OTEL_LLM_GUARDRAIL_OUTCOME],
            )
            found.setdefault(name, {})[key] = point.value if hasattr(point, "value") else point.count
    return found


def test_span_is_an_internal_child_of_the_current_span(otel):
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("chat gpt-4o") as parent:
        policy().check_input("mail ann@example.org")
    guard_span, chat_span = otel.spans()
    assert guard_span.name == "apply_guardrail otel-llm guardrails"
    assert guard_span.kind is SpanKind.INTERNAL
    assert guard_span.parent.span_id == parent.get_span_context().span_id
    assert chat_span.name == "chat gpt-4o"
    assert dict(guard_span.attributes) == {
        A.GEN_AI_OPERATION_NAME: "apply_guardrail",
        **COMMON,
        A.GEN_AI_GUARDRAIL_SOURCE: "input",
        A.GEN_AI_GUARDRAIL_RESULT_TYPE: "action",
        A.GEN_AI_GUARDRAIL_RESULT_VALUE: "redact",
        A.OTEL_LLM_GUARDRAIL_OUTCOME: "redact",
    }
    assert guard_span.status.status_code is StatusCode.UNSET


def test_one_event_per_finding_without_content(otel, monkeypatch):
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    with pytest.raises(GuardrailViolation):
        policy().check_input("falcon to ann@example.org")
    [span] = otel.spans()
    events = otel.logs()
    assert [e.event_name for e in events] == [E.GEN_AI_GUARDRAIL_RESULT] * 2
    assert all(e.trace_id == span.context.trace_id and e.span_id == span.context.span_id for e in events)
    assert [dict(e.attributes) for e in events] == [
        {
            **COMMON,
            A.GEN_AI_GUARDRAIL_POLICY_RULE_ID: "pii",
            A.GEN_AI_GUARDRAIL_SOURCE: "input",
            A.GEN_AI_GUARDRAIL_RESULT_TYPE: "action",
            A.GEN_AI_GUARDRAIL_RESULT_VALUE: "redact",
            A.GEN_AI_GUARDRAIL_RISK_CATEGORY: "EMAIL_ADDRESS",
            A.GEN_AI_GUARDRAIL_RISK_SCORE: 1.0,
            A.GEN_AI_GUARDRAIL_RESULT_REASON: "pii detected EMAIL_ADDRESS",
        },
        {
            **COMMON,
            A.GEN_AI_GUARDRAIL_POLICY_RULE_ID: "banned",
            A.GEN_AI_GUARDRAIL_SOURCE: "input",
            A.GEN_AI_GUARDRAIL_RESULT_TYPE: "action",
            A.GEN_AI_GUARDRAIL_RESULT_VALUE: "block",
            A.GEN_AI_GUARDRAIL_RISK_CATEGORY: "BANNED_SUBSTRING",
            A.GEN_AI_GUARDRAIL_RISK_SCORE: 1.0,
            A.GEN_AI_GUARDRAIL_RESULT_REASON: "banned_substrings detected BANNED_SUBSTRING",
        },
    ]
    assert span.attributes[A.GEN_AI_GUARDRAIL_RESULT_VALUE] == "block"


@pytest.mark.parametrize("mode", ["SPAN_AND_EVENT", "event_only", "true"])
def test_content_is_recorded_only_when_opted_in(otel, monkeypatch, mode):
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", mode)
    policy().check_input("mail ann@example.org")
    [event] = otel.logs()
    assert event.attributes[A.GEN_AI_GUARDRAIL_CONTENT_INPUT_VALUE] == "mail ann@example.org"
    assert event.attributes[A.GEN_AI_GUARDRAIL_CONTENT_OUTPUT_VALUE] == "mail <EMAIL_ADDRESS>"


@pytest.mark.parametrize("mode", ["SPAN_ONLY", "NO_CONTENT", "false"])
def test_content_is_not_recorded_otherwise(otel, monkeypatch, mode):
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", mode)
    policy().check_input("mail ann@example.org")
    [event] = otel.logs()
    assert A.GEN_AI_GUARDRAIL_CONTENT_INPUT_VALUE not in event.attributes
    assert A.GEN_AI_GUARDRAIL_CONTENT_OUTPUT_VALUE not in event.attributes


def test_metrics_count_each_rule_check_by_outcome(otel):
    engine = policy().engine
    engine.apply(["ann@example.org", "hello"], "input")
    engine.apply(["bob@example.org"], "output")
    with pytest.raises(GuardrailViolation):
        engine.apply(["falcon"], "output")
    raw = otel.metric_points()
    points = metric_points(otel, raw)
    expected = {
        ("pii", "input", "redact"): 1,
        ("pii", "input", "pass"): 1,
        ("banned", "input", "pass"): 2,
        ("banned", "output", "pass"): 1,
        ("banned", "output", "block"): 1,
    }
    assert points[M.OTEL_LLM_GUARDRAIL_CHECKS] == expected
    assert points[M.OTEL_LLM_GUARDRAIL_CHECK_DURATION] == expected
    [histogram] = [p for p in raw[M.OTEL_LLM_GUARDRAIL_CHECK_DURATION] if p.count == 2]
    assert 0 < histogram.sum < 1
    assert list(histogram.explicit_bounds) == list(M.OTEL_LLM_GUARDRAIL_CHECK_DURATION_BUCKETS)


def test_failed_detector_is_reported_on_span_event_and_metric(otel):
    with pytest.raises(GuardrailViolation):
        policy(Rule("broken", ExplodingDetector(), "warn", "input")).check_input("hello")
    [span] = otel.spans()
    assert span.attributes[A.ERROR_TYPE] == "RuntimeError"
    assert span.attributes[A.GEN_AI_GUARDRAIL_RESULT_VALUE] == "block"
    assert span.status.status_code is StatusCode.ERROR
    [event] = otel.logs()
    assert dict(event.attributes) == {
        **COMMON,
        A.GEN_AI_GUARDRAIL_POLICY_RULE_ID: "broken",
        A.GEN_AI_GUARDRAIL_SOURCE: "input",
        A.GEN_AI_GUARDRAIL_RESULT_TYPE: "action",
        A.GEN_AI_GUARDRAIL_RESULT_VALUE: "block",
        A.GEN_AI_GUARDRAIL_RESULT_REASON: "detector failed",
        A.ERROR_TYPE: "RuntimeError",
    }
    assert metric_points(otel)[M.OTEL_LLM_GUARDRAIL_CHECKS][("broken", "input", "block")] == 1


def test_fail_open_error_outcome(otel):
    result = policy(Rule("broken", ExplodingDetector(), "warn", "input"), fail_open=True).check_input("hello")
    assert result.outcome.value == "error"
    assert metric_points(otel)[M.OTEL_LLM_GUARDRAIL_CHECKS][("broken", "input", "error")] == 1
    [event] = otel.logs()
    assert event.attributes[A.GEN_AI_GUARDRAIL_RESULT_VALUE] == "error"


def test_no_rules_for_a_source_means_no_telemetry(otel):
    Policy("telemetry", [Rule("pii", PIIDetector(), "redact", "input")]).check_output("ann@example.org")
    assert policy().engine.apply([], "input") == []
    assert (otel.spans(), otel.logs(), metric_points(otel)) == ([], [], {})


def test_a_stream_gets_one_span_and_one_check_per_rule(otel):
    guard = policy().engine.stream("output", holdback=8)
    assert "".join(guard.wrap(["hello ", "there ", "my ", "friend"])) == "hello there my friend"
    [span] = otel.spans()
    assert span.attributes[A.GEN_AI_GUARDRAIL_SOURCE] == "output"
    assert span.attributes[A.GEN_AI_GUARDRAIL_RESULT_VALUE] == "pass"
    assert metric_points(otel)[M.OTEL_LLM_GUARDRAIL_CHECKS] == {("banned", "output", "pass"): 1}


def test_stream_span_is_a_child_of_the_span_where_the_stream_was_opened(otel):
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("chat gpt-4o") as parent:
        guard = policy().engine.stream("output", holdback=4)
    assert guard.feed("hello there") == "hello t"
    assert guard.finish() == "here"
    guard_span, chat_span = sorted(otel.spans(), key=lambda s: s.name)
    assert guard_span.parent.span_id == parent.get_span_context().span_id == chat_span.context.span_id
    assert guard_span.start_time < chat_span.end_time < guard_span.end_time


class _DisabledProcessor(SimpleLogRecordProcessor):
    """Exports what it is given, but tells loggers that it wants nothing."""

    def enabled(self, **_: object) -> bool:
        return False


def test_events_are_not_built_when_the_logger_is_disabled(otel):
    exporter = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(_DisabledProcessor(exporter))
    guarded = policy()
    engine = GuardrailEngine(guarded, GuardrailTelemetry(guarded, logger_provider=logger_provider))
    [result] = engine.evaluate(["falcon to ann@example.org"], "input")
    assert [f.rule_id for f in result.findings] == ["pii", "banned"]
    assert exporter.get_finished_logs() == ()
    [span] = otel.spans()
    assert span.attributes[A.GEN_AI_GUARDRAIL_RESULT_VALUE] == "block"
    assert metric_points(otel)[M.OTEL_LLM_GUARDRAIL_CHECKS] == {
        ("pii", "input", "redact"): 1,
        ("banned", "input", "block"): 1,
    }
