"""Regression tests of issue 18's confirmed bugs in the shared core, on the real ``openai`` SDK.

Each test failed before its fix; the bug number is in the test's docstring.
"""

from __future__ import annotations

import json

import pytest
from opentelemetry.sdk.trace import SpanProcessor

import openai
from otel_llm.semconv import attributes as A

from ..wire_server import Reply, WireServer

SECRET = "sk-proj-" + "Zx81Qw7e" * 6
PROMPT = f"Use the key {SECRET} and mail ann@example.org"
REDACTED = "Use the key <OPENAI_PROJECT_KEY> and mail <EMAIL_ADDRESS>"


def chat(client, **kwargs):
    return client.chat.completions.create(model="gpt-4o-mini", **kwargs)


def input_messages(otel) -> list:
    (span,) = [s for s in otel.spans() if s.name == "chat gpt-4o-mini"]
    return json.loads(span.attributes[A.GEN_AI_INPUT_MESSAGES])


def test_redacted_input_is_recorded_redacted(otel, fake_server, client, instrument_openai, redacting_policy):
    """#3: input content was built before redaction: span and event kept what the provider never got."""
    instrument_openai(capture_mode="span_and_event")
    chat(client, messages=[{"role": "user", "content": PROMPT}])
    assert fake_server.requests[-1]["body"]["messages"] == [{"role": "user", "content": REDACTED}]
    assert input_messages(otel) == [{"role": "user", "parts": [{"type": "text", "content": REDACTED}]}]
    (event,) = [r for r in otel.logs() if A.GEN_AI_INPUT_MESSAGES in r.attributes]
    recorded = json.dumps(event.attributes[A.GEN_AI_INPUT_MESSAGES], default=str)
    assert SECRET not in recorded and "ann@example.org" not in recorded and "<OPENAI_PROJECT_KEY>" in recorded


def test_redacted_input_of_a_stream_is_recorded_redacted(
    otel, fake_server, client, instrument_openai, redacting_policy
):
    instrument_openai(capture_mode="span_only")
    list(chat(client, messages=[{"role": "user", "content": PROMPT}], stream=True))
    assert input_messages(otel) == [{"role": "user", "parts": [{"type": "text", "content": REDACTED}]}]


class RaisingProcessor(SpanProcessor):
    def on_end(self, span):
        raise RuntimeError("exporter bug")


@pytest.fixture
def raising_processor(otel):
    processor = RaisingProcessor()
    otel.tracer_provider.add_span_processor(processor)
    yield
    processors = otel.tracer_provider._active_span_processor._span_processors
    otel.tracer_provider._active_span_processor._span_processors = tuple(
        p for p in processors if p is not processor
    )


@pytest.mark.parametrize("stream", [False, True])
def test_a_span_processor_that_raises_does_not_break_the_call(
    otel, client, instrument_openai, redacting_policy, raising_processor, stream
):
    """#12: a processor raising in ``on_end`` broke the app's call (the call's span and the guard's spans)."""
    instrument_openai()
    result = chat(client, messages=[{"role": "user", "content": PROMPT}], stream=stream)
    text = (
        "".join(c.choices[0].delta.content or "" for c in result)
        if stream
        else result.choices[0].message.content
    )
    assert text
    assert [s.name for s in otel.spans()].count("chat gpt-4o-mini") == 1


@pytest.mark.parametrize("policy", [False, True])
@pytest.mark.parametrize("stream", [False, True])
def test_messages_given_as_a_generator_are_sent(
    otel, fake_server, client, instrument_openai, request, policy, stream
):
    """#18: capture or guardrails consumed a generator of messages, so the SDK sent ``messages: []``."""
    if policy:
        request.getfixturevalue("redacting_policy")
    instrument_openai(capture_mode="span_only")
    messages = (
        {"role": role, "content": text} for role, text in [("system", "Be brief."), ("user", "Hi there")]
    )
    result = chat(client, messages=messages, stream=stream)
    if stream:
        list(result)
    assert fake_server.requests[-1]["body"]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi there"},
    ]
    assert [m["role"] for m in input_messages(otel)] == ["system", "user"]


def completion(**fields):
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
    }
    return {**body, **fields}


MALFORMED = {
    "dict model": (
        completion(model={"name": "gpt"}),
        {A.GEN_AI_RESPONSE_ID: "chatcmpl-1"},
        A.GEN_AI_RESPONSE_MODEL,
    ),
    "string usage": (
        completion(usage="7 tokens"),
        {A.GEN_AI_RESPONSE_ID: "chatcmpl-1"},
        A.GEN_AI_USAGE_INPUT_TOKENS,
    ),
    "string token count": (
        completion(usage={"prompt_tokens": "7", "completion_tokens": 2}),
        {A.GEN_AI_USAGE_OUTPUT_TOKENS: 2, A.GEN_AI_RESPONSE_MODEL: "gpt-4o-mini-2024-07-18"},
        A.GEN_AI_USAGE_INPUT_TOKENS,
    ),
    "count above int64": (
        completion(usage={"prompt_tokens": 7, "completion_tokens": 2**70}),
        {A.GEN_AI_USAGE_INPUT_TOKENS: 7},
        A.GEN_AI_USAGE_OUTPUT_TOKENS,
    ),
    "lone surrogate": (completion(id="chatcmpl-\ud800x"), {A.GEN_AI_RESPONSE_ID: "chatcmpl-?x"}, None),
}


@pytest.mark.parametrize(("body", "recorded", "dropped"), MALFORMED.values(), ids=MALFORMED)
def test_one_malformed_response_field_costs_only_that_field(otel, instrument_openai, body, recorded, dropped):
    """#16: a dict model or a string usage lost all response telemetry; surrogates and integers beyond
    int64 reached attributes, and the exporter then dropped the span."""
    instrument_openai(capture_mode="span_only")
    with WireServer(lambda method, path, request: Reply(json_body=body)) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
        chat(client, messages=[{"role": "user", "content": "hi"}])
    (span,) = otel.spans()
    attributes = dict(span.attributes)
    assert attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert {key: attributes.get(key) for key in recorded} == recorded
    assert dropped not in attributes
    assert json.loads(attributes[A.GEN_AI_OUTPUT_MESSAGES])[0]["parts"][0]["content"] == "Hi"
    for value in attributes.values():  # what an OTLP exporter can encode
        for item in value if isinstance(value, tuple) else (value,):
            assert not isinstance(item, str) or item.encode()
            assert not isinstance(item, int) or -(2**63) <= item < 2**63
