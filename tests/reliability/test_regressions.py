"""Regression tests of issue 18's confirmed bugs in the shared core, on the real ``openai`` SDK.

Each test failed before its fix; the bug number is in the test's docstring.
"""

from __future__ import annotations

import json

import pytest
from opentelemetry.sdk.trace import SpanProcessor

from otel_llm.semconv import attributes as A

SECRET = "sk-proj-" + "Zx81Qw7e" * 6
PROMPT = f"Use the key {SECRET} and mail ann@example.org"
REDACTED = "Use the key <OPENAI_PROJECT_KEY> and mail <EMAIL_ADDRESS>"


def chat(client, **kwargs):
    return client.chat.completions.create(model="gpt-4o-mini", **kwargs)


def input_messages(otel) -> list:
    (span,) = [s for s in otel.spans() if s.name == "chat gpt-4o-mini"]
    return json.loads(span.attributes[A.GEN_AI_INPUT_MESSAGES])


def test_redacted_input_is_recorded_redacted(
    otel, openai_server, openai_client, instrument_openai, redacting_policy
):
    """#3: input content was built before redaction: span and event kept what the provider never got."""
    instrument_openai(capture_mode="span_and_event")
    chat(openai_client, messages=[{"role": "user", "content": PROMPT}])
    assert openai_server.requests[-1]["body"]["messages"] == [{"role": "user", "content": REDACTED}]
    assert input_messages(otel) == [{"role": "user", "parts": [{"type": "text", "content": REDACTED}]}]
    (event,) = [r for r in otel.logs() if A.GEN_AI_INPUT_MESSAGES in r.attributes]
    recorded = json.dumps(event.attributes[A.GEN_AI_INPUT_MESSAGES], default=str)
    assert SECRET not in recorded and "ann@example.org" not in recorded and "<OPENAI_PROJECT_KEY>" in recorded


def test_redacted_input_of_a_stream_is_recorded_redacted(
    otel, openai_server, openai_client, instrument_openai, redacting_policy
):
    instrument_openai(capture_mode="span_only")
    list(chat(openai_client, messages=[{"role": "user", "content": PROMPT}], stream=True))
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
    otel, openai_client, instrument_openai, redacting_policy, raising_processor, stream
):
    """#12: a processor raising in ``on_end`` broke the app's call (the call's span and the guard's spans)."""
    instrument_openai()
    result = chat(openai_client, messages=[{"role": "user", "content": PROMPT}], stream=stream)
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
    otel, openai_server, openai_client, instrument_openai, request, policy, stream
):
    """#18: capture or guardrails consumed a generator of messages, so the SDK sent ``messages: []``."""
    if policy:
        request.getfixturevalue("redacting_policy")
    instrument_openai(capture_mode="span_only")
    messages = (
        {"role": role, "content": text} for role, text in [("system", "Be brief."), ("user", "Hi there")]
    )
    result = chat(openai_client, messages=messages, stream=stream)
    if stream:
        list(result)
    assert openai_server.requests[-1]["body"]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi there"},
    ]
    assert [m["role"] for m in input_messages(otel)] == ["system", "user"]
