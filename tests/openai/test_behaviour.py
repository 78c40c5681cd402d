"""OpenAI behaviour beyond the recordings: errors, n > 1, usage in streams, do-no-harm, (un)instrumenting."""

from __future__ import annotations

import json

import pytest

import openai
from otel_llm.config import ChunkMetric
from otel_llm.demo.fake_server import FAILING_MODEL
from otel_llm.instrumentation.openai import OpenAIInstrumentor
from otel_llm.semconv import attributes as A
from otel_llm.semconv import events as E
from otel_llm.semconv import metrics as M
from tests.semconv_modes import ALL_SEMCONV_MODES, current_mode, duration_metrics

MESSAGES = [{"role": "user", "content": "What is a span?"}]


@ALL_SEMCONV_MODES
def test_failed_call_sets_error_type_status_and_metric(client, otel, instrument_openai):
    instrument_openai()
    with pytest.raises(openai.NotFoundError) as raised:
        client.chat.completions.create(model=FAILING_MODEL, messages=MESSAGES)
    assert raised.value.status_code == 404
    (span,) = otel.spans()
    assert span.name == f"chat {FAILING_MODEL}"
    assert span.attributes[A.ERROR_TYPE] == "NotFoundError"
    assert span.status.status_code.name == "ERROR"
    points = otel.metric_points()
    for name in duration_metrics(current_mode(), "chat"):
        (duration,) = points[name]
        assert dict(duration.attributes) == {
            A.GEN_AI_OPERATION_NAME: "chat",
            A.GEN_AI_PROVIDER_NAME: "openai",
            A.GEN_AI_REQUEST_MODEL: FAILING_MODEL,
            A.SERVER_ADDRESS: "127.0.0.1",
            A.SERVER_PORT: client.base_url.port,
            A.ERROR_TYPE: "NotFoundError",
        }
    (exception_event,) = [log for log in otel.logs() if log.event_name == E.GEN_AI_CLIENT_OPERATION_EXCEPTION]
    assert exception_event.attributes[A.EXCEPTION_TYPE] == "NotFoundError"
    assert exception_event.span_id == span.context.span_id


def test_choice_count_and_finish_reasons_per_choice(client, otel, instrument_openai):
    instrument_openai(capture_mode="SPAN_ONLY")
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        n=3,
        temperature=0.5,
        max_completion_tokens=200,
        stop=["\n\n"],
        seed=7,
    )
    (span,) = otel.spans()
    attributes = span.attributes
    assert attributes[A.GEN_AI_REQUEST_CHOICE_COUNT] == 3
    assert attributes[A.GEN_AI_REQUEST_TEMPERATURE] == 0.5
    assert attributes[A.GEN_AI_REQUEST_MAX_TOKENS] == 200
    assert attributes[A.GEN_AI_REQUEST_STOP_SEQUENCES] == ("\n\n",)
    assert attributes[A.GEN_AI_REQUEST_SEED] == 7
    assert attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop", "stop", "stop")
    assert attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] == response.usage.completion_tokens
    output = json.loads(attributes[A.GEN_AI_OUTPUT_MESSAGES])
    assert [m["parts"][0]["content"] for m in output] == [c.message.content for c in response.choices]


def test_stream_with_include_usage_records_usage_and_cost(client, otel, instrument_openai):
    instrument_openai()
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
    )
    usage = chunks[-1].usage
    (span,) = otel.spans()
    assert span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == usage.prompt_tokens
    assert span.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] == usage.completion_tokens
    expected_cost = (usage.prompt_tokens * 0.15 + usage.completion_tokens * 0.60) / 1e6  # gpt-4o-mini prices
    assert span.attributes[A.OTEL_LLM_USAGE_COST_USD] == pytest.approx(expected_cost)
    points = otel.metric_points()
    (first_chunk,) = points[M.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK]
    assert first_chunk.count == 1
    assert first_chunk.sum == pytest.approx(span.attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK])
    (per_chunk,) = points[M.GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK]
    assert per_chunk.count == len(chunks) - 1
    assert list(per_chunk.explicit_bounds) == [
        0.01,
        0.02,
        0.04,
        0.08,
        0.16,
        0.32,
        0.64,
        1.28,
        2.56,
        5.12,
        10.24,
        20.48,
        40.96,
        81.92,
    ]
    (tokens_in,) = [
        p for p in points[M.GEN_AI_CLIENT_TOKEN_USAGE] if p.attributes[A.GEN_AI_TOKEN_TYPE] == "input"
    ]
    assert list(tokens_in.explicit_bounds)[:3] == [1, 4, 16]



def test_stream_with_the_chunk_metric_off_keeps_everything_but_the_per_chunk_metric(
    client, otel, instrument_openai
):
    instrument_openai(chunk_metric=ChunkMetric.OFF)
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
    )
    assert len(chunks) > 3
    (span,) = otel.spans()
    assert span.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] == chunks[-1].usage.completion_tokens
    assert span.attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert span.attributes[A.GEN_AI_RESPONSE_ID] == chunks[0].id
    points = otel.metric_points()
    (first_chunk,) = points[M.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK]
    assert first_chunk.count == 1
    assert first_chunk.sum == pytest.approx(span.attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK])
    assert M.GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK not in points

def test_tool_round_trip_content(client, otel, instrument_openai):
    instrument_openai(capture_mode="SPAN_ONLY")
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    first = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, tools=tools)
    call = first.choices[0].message.tool_calls[0]
    history = [
        *MESSAGES,
        first.choices[0].message,
        {"role": "tool", "tool_call_id": call.id, "content": "18C and sunny"},
    ]
    client.chat.completions.create(model="gpt-4o-mini", messages=history, tools=tools)
    first_span, second_span = otel.spans()
    assert first_span.attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("tool_calls",)
    assert json.loads(first_span.attributes[A.GEN_AI_TOOL_DEFINITIONS]) == [
        {"type": "function", "name": "get_weather"}
    ]
    assert json.loads(second_span.attributes[A.GEN_AI_INPUT_MESSAGES])[1:] == [
        {
            "role": "assistant",
            "parts": [
                {
                    "type": "tool_call",
                    "name": "get_weather",
                    "arguments": json.loads(call.function.arguments),
                    "id": call.id,
                }
            ],
        },
        {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "response": "18C and sunny", "id": call.id}],
        },
    ]


def test_secrets_are_never_recorded(client, otel, instrument_openai):
    instrument_openai(capture_mode="SPAN_AND_EVENT")
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    recorded = json.dumps(
        [dict(s.attributes) for s in otel.spans()] + [dict(log.attributes) for log in otel.logs()],
        default=str,
    )
    assert "sk-test" not in recorded
    assert "authorization" not in recorded.lower()


def test_content_hook_redacts_before_recording(client, otel, instrument_openai):
    def redact(name, value):
        return json.loads(json.dumps(value).replace("span", "[REDACTED]"))

    instrument_openai(capture_mode="SPAN_ONLY", content_hook=redact)
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    (span,) = otel.spans()
    assert json.loads(span.attributes[A.GEN_AI_INPUT_MESSAGES]) == [
        {"role": "user", "parts": [{"type": "text", "content": "What is a [REDACTED]?"}]}
    ]


def test_failing_content_hook_drops_content_but_not_the_call(client, otel, instrument_openai, caplog):
    def broken(name, value):
        raise RuntimeError("hook bug")

    instrument_openai(capture_mode="SPAN_ONLY", content_hook=broken)
    response = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert response.choices[0].message.content
    (span,) = otel.spans()
    assert A.GEN_AI_INPUT_MESSAGES not in span.attributes
    assert A.GEN_AI_OUTPUT_MESSAGES not in span.attributes
    assert span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == response.usage.prompt_tokens
    assert "content hook failed" in caplog.text


def test_broken_response_object_passes_through_unchanged(
    client, otel, instrument_openai, monkeypatch, caplog
):
    """A response our mapping cannot read still reaches the app as the SDK returned it."""
    from otel_llm.formats import openai_chat as _chat
    from otel_llm.instrumentation.openai import _sdk

    def explode(invocation, response):
        raise AttributeError("unexpected response shape")

    monkeypatch.setattr(_chat, "on_response", explode)
    monkeypatch.setattr(_sdk, "CHAT", _sdk.CHAT.__class__(_sdk.CHAT.start, explode, _chat.finish_stream))
    instrument_openai()
    response = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert type(response).__name__ == "ChatCompletion"
    assert response.choices[0].message.content
    (span,) = otel.spans()
    assert span.end_time is not None
    assert "failed to read a response" in caplog.text


def test_failure_to_start_a_span_leaves_the_call_untraced(
    client, otel, instrument_openai, monkeypatch, caplog
):
    instrumentor = instrument_openai()
    monkeypatch.setattr(instrumentor.telemetry, "start", lambda *a, **k: 1 / 0)
    response = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert response.choices[0].message.content
    assert otel.spans() == []
    assert "failed to start a span" in caplog.text


def test_instrumenting_twice_is_a_no_op_and_uninstrument_restores(client, otel):
    from openai.resources.chat.completions import Completions

    original = Completions.__dict__["create"]
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument()
    wrapped = Completions.__dict__["create"]
    assert wrapped is not original
    instrumentor.instrument()
    assert Completions.__dict__["create"] is wrapped
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert len(otel.spans()) == 1
    instrumentor.uninstrument()
    assert Completions.__dict__["create"] is original
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert len(otel.spans()) == 1


def test_nested_genai_calls_make_one_span(client, otel, instrument_openai):
    """A higher-level GenAI span (here: ours around a call that calls the SDK again) suppresses inner ones."""
    from opentelemetry import context

    from otel_llm.telemetry.invocation import GENAI_SPAN_KEY

    instrument_openai()
    token = context.attach(context.set_value(GENAI_SPAN_KEY, True))
    try:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    finally:
        context.detach(token)
    assert otel.spans() == []


def test_azure_client_is_reported_as_azure(fake_server, otel, instrument_openai):
    instrument_openai()
    client = openai.AzureOpenAI(
        azure_endpoint=f"http://127.0.0.1:{fake_server.port}",
        api_version="2024-02-01",
        api_key="test-key",
        max_retries=0,
    )
    with pytest.raises(openai.NotFoundError):  # the fake serves /v1 only; the span is what matters
        client.chat.completions.create(model="my-deployment", messages=MESSAGES)
    (span,) = otel.spans()
    assert span.attributes[A.GEN_AI_PROVIDER_NAME] == "azure.ai.openai"
    assert span.attributes[A.SERVER_PORT] == fake_server.port
