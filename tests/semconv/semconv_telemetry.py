"""Builders for conforming otel-llm telemetry; tests break one thing at a time via overrides."""

from __future__ import annotations

import json
from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode

from otel_llm.semconv import attributes as attr
from otel_llm.semconv import events, metrics
from otel_llm.semconv.attributes import (
    GenAiOperationNameValues,
    GenAiProviderNameValues,
    GenAiTokenTypeValues,
    OtelLlmEvaluationSourceValues,
    OtelLlmGuardrailOutcomeValues,
)
from otel_llm.testing.registry import load_registry

INPUT_MESSAGES = [
    {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
    {
        "role": "assistant",
        "parts": [
            {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}
        ],
    },
    {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "result": "rainy, 57°F"}]},
]
OUTPUT_MESSAGES = [
    {"role": "assistant", "parts": [{"type": "text", "content": "It is rainy."}], "finish_reason": "stop"}
]
SYSTEM_INSTRUCTIONS = [{"type": "text", "content": "You are a weather assistant."}]
TOOL_DEFINITIONS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
METRIC_ATTRIBUTES = {
    attr.GEN_AI_OPERATION_NAME: GenAiOperationNameValues.CHAT,
    attr.GEN_AI_PROVIDER_NAME: GenAiProviderNameValues.OPENAI,
    attr.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
    attr.GEN_AI_RESPONSE_MODEL: "gpt-4o-mini-2024-07-18",
    attr.SERVER_ADDRESS: "api.openai.com",
    attr.SERVER_PORT: 443,
}
GUARDRAIL_METRIC_ATTRIBUTES = {
    attr.GEN_AI_GUARDRAIL_COMPONENT_NAME: "otel-llm",
    attr.GEN_AI_GUARDRAIL_POLICY_ID: "default",
    attr.GEN_AI_GUARDRAIL_POLICY_RULE_ID: "pii-email",
    attr.GEN_AI_GUARDRAIL_SOURCE: "input",
    attr.OTEL_LLM_GUARDRAIL_OUTCOME: OtelLlmGuardrailOutcomeValues.REDACT,
}


def record(meter, name: str, value: float, attributes: dict[str, Any]) -> None:
    """Record on an instrument of the type and unit the registry gives the metric."""
    spec = load_registry().metrics[name]
    if spec.instrument == "histogram":
        meter.create_histogram(name, unit=spec.unit).record(value, attributes)
    elif spec.instrument == "counter":
        meter.create_counter(name, unit=spec.unit).add(value, attributes)
    else:
        raise ValueError(f"no recorder for {spec.instrument} instruments")


def merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` applied; an override of None removes the key."""
    result = {**base, **overrides}
    return {key: value for key, value in result.items() if value is not None}


def chat_attributes(**overrides: Any) -> dict[str, Any]:
    base = {
        **METRIC_ATTRIBUTES,
        attr.GEN_AI_REQUEST_TEMPERATURE: 0.2,
        attr.GEN_AI_REQUEST_MAX_TOKENS: 200,
        attr.GEN_AI_RESPONSE_ID: "chatcmpl-123",
        attr.GEN_AI_RESPONSE_FINISH_REASONS: ("stop",),
        attr.GEN_AI_USAGE_INPUT_TOKENS: 42,
        attr.GEN_AI_USAGE_OUTPUT_TOKENS: 7,
        attr.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: 10,
        attr.OPENAI_RESPONSE_SYSTEM_FINGERPRINT: "fp_44709d6fcb",
        attr.OTEL_LLM_USAGE_COST_USD: 0.0000105,
        attr.OTEL_LLM_PRICE_TABLE_VERSION: "2026-11-01",
        attr.GEN_AI_INPUT_MESSAGES: json.dumps(INPUT_MESSAGES),
        attr.GEN_AI_OUTPUT_MESSAGES: json.dumps(OUTPUT_MESSAGES),
        attr.GEN_AI_SYSTEM_INSTRUCTIONS: json.dumps(SYSTEM_INSTRUCTIONS),
        attr.GEN_AI_TOOL_DEFINITIONS: json.dumps(TOOL_DEFINITIONS),
    }
    return merged(base, overrides)


def emit_chat_span(
    tracer,
    name: str = "chat gpt-4o-mini",
    kind: SpanKind = SpanKind.CLIENT,
    error: str | None = None,
    **overrides: Any,
) -> None:
    with tracer.start_as_current_span(name, kind=kind, attributes=chat_attributes(**overrides)) as span:
        if error:
            span.set_status(Status(StatusCode.ERROR, error))


def emit_conforming(pipeline) -> None:
    """One of each kind of telemetry otel-llm emits, all conforming."""
    tracer, meter, logger = pipeline.tracer, pipeline.meter, pipeline.logger
    emit_chat_span(tracer)
    emit_chat_span(tracer, error="rate limited", **{attr.ERROR_TYPE: "RateLimitError"})
    emit_chat_span(  # a local Ollama model; no price, no content capture
        tracer,
        "chat llama3.2",
        **{
            attr.GEN_AI_PROVIDER_NAME: GenAiProviderNameValues.OLLAMA,
            attr.GEN_AI_REQUEST_MODEL: "llama3.2",
            attr.SERVER_ADDRESS: "localhost",
            attr.SERVER_PORT: 11434,
            attr.OTEL_LLM_USAGE_COST_USD: None,
            attr.OTEL_LLM_PRICE_TABLE_VERSION: None,
            attr.OPENAI_RESPONSE_SYSTEM_FINGERPRINT: None,
            attr.OTEL_LLM_EVALUATION_JUDGE: True,
        },
    )
    embeddings = {
        attr.GEN_AI_OPERATION_NAME: GenAiOperationNameValues.EMBEDDINGS,
        attr.GEN_AI_PROVIDER_NAME: GenAiProviderNameValues.OPENAI,
        attr.GEN_AI_REQUEST_MODEL: "text-embedding-3-small",
        attr.GEN_AI_USAGE_INPUT_TOKENS: 8,
        attr.GEN_AI_EMBEDDINGS_DIMENSION_COUNT: 1536,
        attr.GEN_AI_REQUEST_ENCODING_FORMATS: ("float",),
    }
    tracer.start_span("embeddings text-embedding-3-small", kind=SpanKind.CLIENT, attributes=embeddings).end()
    guardrail = {
        attr.GEN_AI_OPERATION_NAME: GenAiOperationNameValues.APPLY_GUARDRAIL,
        **GUARDRAIL_METRIC_ATTRIBUTES,
        attr.GEN_AI_GUARDRAIL_RESULT_TYPE: "action",
        attr.GEN_AI_GUARDRAIL_RESULT_VALUE: "redact",
    }
    tracer.start_span("apply_guardrail otel-llm", kind=SpanKind.INTERNAL, attributes=guardrail).end()
    tracer.start_span("GET /health", kind=SpanKind.SERVER, attributes={"http.request.method": "GET"}).end()

    logger.emit(
        event_name=events.GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
        attributes={
            **METRIC_ATTRIBUTES,
            attr.GEN_AI_INPUT_MESSAGES: INPUT_MESSAGES,
            attr.GEN_AI_OUTPUT_MESSAGES: OUTPUT_MESSAGES,
        },
    )
    logger.emit(
        event_name=events.GEN_AI_EVALUATION_RESULT,
        attributes={
            attr.GEN_AI_EVALUATION_NAME: "Relevance",
            attr.GEN_AI_EVALUATION_SCORE_VALUE: 0.8,
            attr.GEN_AI_EVALUATION_SCORE_LABEL: "relevant",
            attr.GEN_AI_RESPONSE_ID: "chatcmpl-123",
        },
    )
    logger.emit(
        event_name=events.GEN_AI_GUARDRAIL_RESULT,
        attributes={
            **GUARDRAIL_METRIC_ATTRIBUTES,
            attr.GEN_AI_GUARDRAIL_RISK_CATEGORY: "EMAIL_ADDRESS",
            attr.GEN_AI_GUARDRAIL_RISK_SCORE: 1.0,
        },
    )
    logger.emit(
        event_name=events.GEN_AI_CLIENT_OPERATION_EXCEPTION,
        attributes={
            attr.EXCEPTION_TYPE: "openai.RateLimitError",
            attr.EXCEPTION_MESSAGE: "slow down",
        },
    )
    logger.emit(body="plain application log", attributes={"app.user": "x"})

    record(meter, metrics.GEN_AI_CLIENT_OPERATION_DURATION, 0.5, METRIC_ATTRIBUTES)
    record(
        meter,
        metrics.GEN_AI_CLIENT_OPERATION_DURATION,
        0.1,
        {**METRIC_ATTRIBUTES, attr.ERROR_TYPE: "Timeout"},
    )
    for token_type, count in ((GenAiTokenTypeValues.INPUT, 42), (GenAiTokenTypeValues.OUTPUT, 7)):
        record(
            meter,
            metrics.GEN_AI_CLIENT_TOKEN_USAGE,
            count,
            {**METRIC_ATTRIBUTES, attr.GEN_AI_TOKEN_TYPE: token_type},
        )
    record(meter, metrics.OTEL_LLM_CLIENT_OPERATION_COST, 0.0000105, METRIC_ATTRIBUTES)
    record(meter, metrics.OTEL_LLM_GUARDRAIL_CHECKS, 1, GUARDRAIL_METRIC_ATTRIBUTES)
    record(meter, metrics.OTEL_LLM_GUARDRAIL_CHECK_DURATION, 0.002, GUARDRAIL_METRIC_ATTRIBUTES)
    evaluation = {
        attr.GEN_AI_EVALUATION_NAME: "Relevance",
        attr.GEN_AI_EVALUATION_SCORE_LABEL: "relevant",
        attr.OTEL_LLM_EVALUATION_SOURCE: OtelLlmEvaluationSourceValues.ONLINE,
    }
    record(meter, metrics.OTEL_LLM_EVALUATION_SCORE, 0.8, evaluation)
    meter.create_counter("http.server.requests", unit="{request}").add(1)
