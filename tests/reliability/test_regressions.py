"""Regression tests of issue 18's confirmed bugs in the shared core, on the real ``openai`` SDK.

Each test failed before its fix; the bug number is in the test's docstring.
"""

from __future__ import annotations

import json

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
