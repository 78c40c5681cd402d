"""The conformance checker catches each kind of violation and passes conforming telemetry."""

from __future__ import annotations

import json

import pytest
from opentelemetry.trace import SpanKind
from semconv_telemetry import (
    GUARDRAIL_METRIC_ATTRIBUTES,
    INPUT_MESSAGES,
    METRIC_ATTRIBUTES,
    OUTPUT_MESSAGES,
    emit_chat_span,
    emit_conforming,
    record,
)

from otel_llm.semconv import attributes as attr
from otel_llm.semconv import events, metrics
from otel_llm.semconv.attributes import GenAiOperationNameValues, GenAiTokenTypeValues
from otel_llm.testing.conformance import Violation, format_violations

CHAT = "chat gpt-4o-mini"


def span_violation(rule: str, message: str, name: str = CHAT) -> Violation:
    return Violation("span", name, rule, message)


def test_conforming_telemetry_has_no_violations(pipeline):
    emit_conforming(pipeline)
    assert len(pipeline.spans.get_finished_spans()) == 6
    assert pipeline.violations() == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {"gen_ai.request.temprature": 0.2},
            "[unknown_attribute] attribute 'gen_ai.request.temprature' is not in the registry",
            id="unknown-key",
        ),
        pytest.param(
            {attr.GEN_AI_REQUEST_TEMPERATURE: 1},
            "[wrong_type] 'gen_ai.request.temperature' must be double, got int 1",
            id="int-for-double",
        ),
        pytest.param(
            {attr.GEN_AI_USAGE_INPUT_TOKENS: "42"},
            "[wrong_type] 'gen_ai.usage.input_tokens' must be int, got str '42'",
            id="str-for-int",
        ),
        pytest.param(
            {attr.GEN_AI_RESPONSE_FINISH_REASONS: "stop"},
            "[wrong_type] 'gen_ai.response.finish_reasons' must be string[], got str 'stop'",
            id="str-for-array",
        ),
        pytest.param(
            {attr.OTEL_LLM_EVALUATION_JUDGE: "yes"},
            "[wrong_type] 'otel_llm.evaluation.judge' must be boolean, got str 'yes'",
            id="str-for-bool",
        ),
        pytest.param(
            {attr.OPENAI_API_TYPE: "assistants"},
            "[enum_value] 'openai.api.type' value 'assistants' is not one of "
            "['chat_completions', 'responses']",
            id="enum-value",
        ),
        pytest.param(
            {attr.SERVER_PORT: None},
            "[missing_attribute] missing conditionally required 'server.port' (If `server.address` is set.)",
            id="port-without-address",
        ),
        pytest.param(
            {attr.OTEL_LLM_PRICE_TABLE_VERSION: None},
            "[missing_attribute] missing conditionally required 'otel_llm.price_table.version' "
            "(If `otel_llm.usage.cost_usd` is set.)",
            id="cost-without-price-table",
        ),
    ],
)
def test_span_attribute_violations(pipeline, overrides, expected):
    emit_chat_span(pipeline.tracer, **overrides)
    assert [str(v) for v in pipeline.violations()] == [f"span {CHAT!r}: {expected}"]


def test_unknown_provider_fails_but_documented_extensions_pass(pipeline):
    emit_chat_span(pipeline.tracer, **{attr.GEN_AI_PROVIDER_NAME: "openia"})
    emit_chat_span(pipeline.tracer, **{attr.GEN_AI_PROVIDER_NAME: "litellm"})
    emit_chat_span(pipeline.tracer, **{attr.GEN_AI_PROVIDER_NAME: "ollama"})
    (violation,) = pipeline.violations()
    assert violation.rule == "enum_value"
    assert violation.message.startswith("'gen_ai.provider.name' value 'openia' is not one of ['anthropic', ")
    assert "'litellm'" in violation.message and "'ollama'" in violation.message


def test_open_enum_accepts_custom_values(pipeline):
    emit_chat_span(pipeline.tracer, error="boom", **{attr.ERROR_TYPE: "APIConnectionError"})
    emit_chat_span(pipeline.tracer, **{attr.OPENAI_REQUEST_SERVICE_TIER: "flex"})
    assert pipeline.violations() == []


def test_missing_required_attributes(pipeline):
    emit_chat_span(pipeline.tracer, **{attr.GEN_AI_PROVIDER_NAME: None})
    emit_chat_span(pipeline.tracer, "chat", **{attr.GEN_AI_REQUEST_MODEL: None})
    assert pipeline.violations() == [
        span_violation("missing_attribute", "missing required 'gen_ai.provider.name'"),
        # the OpenAI refinement makes the request model required
        span_violation("missing_attribute", "missing required 'gen_ai.request.model'", name="chat"),
    ]


def test_error_type_is_required_on_failed_spans_only(pipeline):
    emit_chat_span(pipeline.tracer, error="rate limited")
    emit_chat_span(
        pipeline.tracer, **{attr.GEN_AI_REQUEST_CHOICE_COUNT: None, attr.GEN_AI_REQUEST_SEED: None}
    )
    assert pipeline.violations() == [
        span_violation(
            "missing_attribute",
            "missing conditionally required 'error.type' (if the operation ended in an error)",
        )
    ]


def test_missing_operation_name(pipeline):
    emit_chat_span(pipeline.tracer, **{attr.GEN_AI_OPERATION_NAME: None})
    assert pipeline.violations() == [
        span_violation("missing_attribute", "missing required 'gen_ai.operation.name'")
    ]


def test_wrong_span_name_and_kind(pipeline):
    emit_chat_span(pipeline.tracer, name="openai.chat")
    emit_chat_span(pipeline.tracer, kind=SpanKind.INTERNAL)
    guardrail = {
        attr.GEN_AI_OPERATION_NAME: GenAiOperationNameValues.APPLY_GUARDRAIL,
        **GUARDRAIL_METRIC_ATTRIBUTES,
    }
    pipeline.tracer.start_span("guardrail", kind=SpanKind.INTERNAL, attributes=guardrail).end()
    pipeline.tracer.start_span("apply_guardrail otel-llm", kind=SpanKind.SERVER, attributes=guardrail).end()
    assert pipeline.violations() == [
        span_violation(
            "span_name", "name should be 'chat gpt-4o-mini' (gen_ai.inference.client)", "openai.chat"
        ),
        span_violation("span_kind", "kind is INTERNAL, expected CLIENT for 'chat'"),
        span_violation(
            "span_name",
            "name should be 'apply_guardrail otel-llm' (otel_llm.apply_guardrail.internal)",
            "guardrail",
        ),
        span_violation(
            "span_kind",
            "kind is SERVER, expected CLIENT or INTERNAL for 'apply_guardrail'",
            "apply_guardrail otel-llm",
        ),
        # judged as the first candidate type, the upstream client span, which requires the provider
        span_violation(
            "missing_attribute", "missing required 'gen_ai.provider.name'", "apply_guardrail otel-llm"
        ),
    ]


def test_guardrail_span_requires_outcome(pipeline):
    guardrail = {attr.GEN_AI_OPERATION_NAME: GenAiOperationNameValues.APPLY_GUARDRAIL}
    pipeline.tracer.start_span("apply_guardrail", kind=SpanKind.INTERNAL, attributes=guardrail).end()
    assert pipeline.violations() == [
        span_violation(
            "missing_attribute", "missing required 'otel_llm.guardrail.outcome'", "apply_guardrail"
        )
    ]


def test_evaluation_span_is_typed_by_its_source_and_named_after_the_evaluation(pipeline):
    result = {attr.GEN_AI_EVALUATION_NAME: "relevance", attr.GEN_AI_EVALUATION_SCORE_VALUE: 0.2}
    sourced = {**result, attr.OTEL_LLM_EVALUATION_SOURCE: "online"}
    pipeline.tracer.start_span("evaluation relevance", kind=SpanKind.INTERNAL, attributes=sourced).end()
    assert pipeline.violations() == []
    pipeline.tracer.start_span("evaluation", kind=SpanKind.INTERNAL, attributes=sourced).end()
    pipeline.tracer.start_span("evaluation relevance", kind=SpanKind.INTERNAL, attributes=result).end()
    assert pipeline.violations() == [
        span_violation(
            "span_name", "name should be 'evaluation relevance' (otel_llm.evaluation.internal)", "evaluation"
        ),
        span_violation(
            "missing_attribute", "missing required 'gen_ai.operation.name'", "evaluation relevance"
        ),
    ]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        pytest.param(
            attr.GEN_AI_INPUT_MESSAGES,
            json.dumps([{"role": "user", "content": "hi"}]),
            "'gen_ai.input.messages' does not fit its JSON schema at /0: 'parts' is a required property",
            id="input-without-parts",
        ),
        pytest.param(
            attr.GEN_AI_OUTPUT_MESSAGES,
            json.dumps([{"role": "assistant", "parts": "It is rainy."}]),
            "'gen_ai.output.messages' does not fit its JSON schema at /0/parts: "
            "'It is rainy.' is not of type 'array'",
            id="output-parts-not-a-list",
        ),
        pytest.param(
            attr.GEN_AI_SYSTEM_INSTRUCTIONS,
            "You are helpful.",
            "'gen_ai.system_instructions' does not fit its JSON schema at /: "
            "'You are helpful.' is not of type 'array'",
            id="plain-string-system-instructions",
        ),
        pytest.param(
            attr.GEN_AI_TOOL_DEFINITIONS,
            json.dumps([{"type": "function"}]),
            "'gen_ai.tool.definitions' does not fit its JSON schema at /0: 'name' is a required property",
            id="tool-without-name",
        ),
        pytest.param(
            attr.GEN_AI_INPUT_MESSAGES,
            ("user", "hi"),
            "[wrong_type] 'gen_ai.input.messages' on a span must be a JSON string",
            id="array-instead-of-json-string",
        ),
    ],
)
def test_message_json_must_fit_schema(pipeline, key, value, expected):
    emit_chat_span(pipeline.tracer, **{key: value})
    (violation,) = pipeline.violations()
    assert expected in str(violation)
    assert violation.rule in ("json_schema", "wrong_type")


def test_event_violations(pipeline):
    logger = pipeline.logger
    logger.emit(event_name="gen_ai.evaluation.results", attributes={attr.GEN_AI_EVALUATION_NAME: "Relevance"})
    logger.emit(
        event_name=events.GEN_AI_EVALUATION_RESULT, attributes={attr.GEN_AI_EVALUATION_SCORE_VALUE: 0.5}
    )
    logger.emit(body="no event name", attributes={attr.GEN_AI_EVALUATION_NAME: "Relevance"})
    logger.emit(
        event_name=events.GEN_AI_EVALUATION_RESULT,
        attributes={
            attr.GEN_AI_EVALUATION_NAME: "Relevance",
            "score": 0.5,
        },
    )
    logger.emit(
        event_name=events.GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
        attributes={
            **METRIC_ATTRIBUTES,
            attr.GEN_AI_INPUT_MESSAGES: json.dumps(INPUT_MESSAGES),
            attr.GEN_AI_OUTPUT_MESSAGES: OUTPUT_MESSAGES,
        },
    )
    logger.emit(
        event_name=events.GEN_AI_CLIENT_OPERATION_EXCEPTION,
        attributes={
            attr.EXCEPTION_STACKTRACE: "Traceback ...",
        },
    )
    assert [str(v) for v in pipeline.violations()] == [
        "event 'gen_ai.evaluation.results': [unknown_event] "
        "log record with GenAI data has no registered event name",
        "event 'gen_ai.evaluation.result': [missing_attribute] missing required 'gen_ai.evaluation.name'",
        "event '<no event name>': [unknown_event] log record with GenAI data has no registered event name",
        "event 'gen_ai.evaluation.result': [unknown_attribute] attribute 'score' is not in the registry",
        "event 'gen_ai.client.inference.operation.details': [wrong_type] 'gen_ai.input.messages' on an event "
        "must be structured, not a string",
        "event 'gen_ai.client.operation.exception': [missing_attribute] missing conditionally required "
        "'exception.type' (Required if `exception.message` is not set, recommended otherwise.)",
        "event 'gen_ai.client.operation.exception': [missing_attribute] missing conditionally required "
        "'exception.message' (Required if `exception.type` is not set, recommended otherwise.)",
    ]


def test_metric_violations(pipeline):
    meter = pipeline.meter
    meter.create_histogram("gen_ai.client.tokens.usage", unit="{token}").record(1, METRIC_ATTRIBUTES)
    meter.create_histogram(metrics.GEN_AI_CLIENT_OPERATION_DURATION, unit="ms").record(
        500.0, METRIC_ATTRIBUTES
    )
    meter.create_counter(metrics.GEN_AI_CLIENT_TOKEN_USAGE, unit=metrics.GEN_AI_CLIENT_TOKEN_USAGE_UNIT).add(
        3, {**METRIC_ATTRIBUTES, attr.GEN_AI_TOKEN_TYPE: GenAiTokenTypeValues.INPUT}
    )
    record(
        meter,
        metrics.OTEL_LLM_CLIENT_OPERATION_COST,
        0.01,
        {**METRIC_ATTRIBUTES, attr.GEN_AI_RESPONSE_ID: "r"},
    )
    without_provider = {k: v for k, v in METRIC_ATTRIBUTES.items() if k != attr.GEN_AI_PROVIDER_NAME}
    record(meter, metrics.OTEL_LLM_CLIENT_OPERATION_COST, 0.02, without_provider)
    checks = meter.create_counter(
        metrics.OTEL_LLM_GUARDRAIL_CHECKS, unit=metrics.OTEL_LLM_GUARDRAIL_CHECKS_UNIT
    )
    checks.add(1, {**GUARDRAIL_METRIC_ATTRIBUTES, attr.OTEL_LLM_GUARDRAIL_OUTCOME: "allow"})
    assert sorted(str(v) for v in pipeline.violations()) == sorted(
        [
            "metric 'gen_ai.client.tokens.usage': [unknown_metric] metric is not in the registry",
            "metric 'gen_ai.client.operation.duration': [metric_unit] unit is 'ms', expected 's'",
            "metric 'gen_ai.client.token.usage': [metric_instrument] "
            "instrument is counter, expected histogram",
            "metric 'otel_llm.client.operation.cost': [unexpected_attribute] "
            "attribute 'gen_ai.response.id' is not defined for this metric",
            "metric 'otel_llm.client.operation.cost': [missing_attribute] "
            "missing required 'gen_ai.provider.name'",
            "metric 'otel_llm.guardrail.checks': [enum_value] "
            "'otel_llm.guardrail.outcome' value 'allow' is not one of "
            "['block', 'error', 'pass', 'redact', 'respond', 'warn']",
        ]
    )


def test_metric_missing_required_attribute(pipeline):
    tokens = pipeline.meter.create_histogram(
        metrics.GEN_AI_CLIENT_TOKEN_USAGE, unit=metrics.GEN_AI_CLIENT_TOKEN_USAGE_UNIT
    )
    tokens.record(3, METRIC_ATTRIBUTES)
    assert [str(v) for v in pipeline.violations()] == [
        "metric 'gen_ai.client.token.usage': [missing_attribute] missing required 'gen_ai.token.type'"
    ]


def test_telemetry_of_other_instrumentations_is_ignored(pipeline):
    pipeline.tracer.start_span("GET /", kind=SpanKind.SERVER, attributes={"http.request.method": "GET"}).end()
    pipeline.logger.emit(body="hello", attributes={"logger.name": "app"})
    pipeline.meter.create_counter("http.server.requests", unit="requests").add(1, {"route": "/"})
    assert pipeline.violations() == []


def test_format_lists_every_violation():
    text = format_violations(
        [
            Violation("span", "chat x", "span_kind", "kind is INTERNAL, expected CLIENT for 'chat'"),
            Violation("metric", "m", "metric_unit", "unit is 'ms', expected 's'"),
        ]
    )
    assert text == (
        "2 semantic-convention violation(s):\n"
        "  - span 'chat x': [span_kind] kind is INTERNAL, expected CLIENT for 'chat'\n"
        "  - metric 'm': [metric_unit] unit is 'ms', expected 's'"
    )
