"""Guardrails on Cohere v2 ``chat`` and ``chat_stream`` (sync and async): the real ``cohere`` SDK
against the loopback Cohere server."""

from __future__ import annotations

import asyncio

import pytest

import cohere
from otel_llm.guardrails import GuardrailViolation

from .. import guardrail_wiring as wiring
from . import fake_cohere

policy = wiring.policy_fixture()
MODEL = "command-a-03-2025"
SPAN = f"chat {MODEL}"
QUESTION = [{"role": "user", "content": "How do I reach Bob?"}]


@pytest.fixture(autouse=True)
def pii_answer(monkeypatch):
    monkeypatch.setattr(fake_cohere, "ANSWER", wiring.ANSWER_PIECES)


def _client(server, is_async: bool = False):
    return (cohere.AsyncClientV2 if is_async else cohere.ClientV2)(
        api_key="test-key", base_url=server.base_url
    )


def test_blocked_input_never_reaches_the_transport(otel, instrument, policy, fake_server):
    instrument()
    sent = len(fake_server.requests)
    with pytest.raises(GuardrailViolation) as caught:
        _client(fake_server).chat(model=MODEL, messages=[{"role": "user", "content": wiring.INJECTION}])
    assert len(fake_server.requests) == sent
    wiring.check_blocked(otel, SPAN, caught.value, wiring.INJECTION)


def _document(email: str) -> dict:
    """A tool result given as a document: its data's string values are checked."""
    return {"type": "document", "document": {"data": {"owner": "Ann", "email": email}}}


def test_redacted_input_is_what_the_server_receives(otel, instrument, policy, fake_server):
    instrument()
    messages = [
        cohere.SystemChatMessageV2(content=wiring.SYSTEM),
        cohere.UserChatMessageV2(content=[cohere.TextContent(text=wiring.PII_PROMPT)]),
        cohere.AssistantChatMessageV2(
            tool_calls=[
                cohere.ToolCallV2(
                    id="call_1", function=cohere.ToolCallV2Function(name="lookup", arguments='{"who": "Ann"}')
                )
            ]
        ),
        {"role": "tool", "tool_call_id": "call_1", "content": [_document("ann@example.org")]},
    ]
    response = _client(fake_server).chat(model=MODEL, messages=messages)
    sent = fake_server.requests[-1]["body"]["messages"]
    assert sent[0] == {"role": "system", "content": wiring.SYSTEM}
    assert sent[1] == {"role": "user", "content": [{"type": "text", "text": wiring.REDACTED_PROMPT}]}
    assert sent[2]["tool_calls"][0]["function"]["arguments"] == '{"who": "Ann"}'
    assert sent[3] == {"role": "tool", "tool_call_id": "call_1", "content": [_document("<EMAIL_ADDRESS>")]}
    assert messages[1].content[0].text == wiring.PII_PROMPT  # the app's messages are not mutated
    assert messages[3]["content"] == [_document("ann@example.org")]
    assert response.message.content[0].text == wiring.REDACTED_ANSWER
    wiring.check_guarded(
        otel,
        SPAN,
        wiring.REDACTED_BOTH_WAYS,
        wiring.TOOL_RESULT_FINDINGS + wiring.OUTPUT_FINDINGS,
    )


def test_async_output_is_redacted(otel, instrument, policy, fake_server):
    instrument()

    async def ask() -> str:
        response = await _client(fake_server, is_async=True).chat(model=MODEL, messages=QUESTION)
        return response.message.content[0].text

    assert asyncio.run(ask()) == wiring.REDACTED_ANSWER
    wiring.check_guarded(otel, SPAN, wiring.REDACTED_OUTPUT, wiring.OUTPUT_FINDINGS)


@pytest.mark.parametrize("is_async", [False, True])
def test_streamed_output_is_redacted(otel, instrument, policy, fake_server, is_async):
    instrument()

    async def read_async() -> list:
        return [item async for item in _client(fake_server, True).chat_stream(model=MODEL, messages=QUESTION)]

    if is_async:
        events = asyncio.run(read_async())
    else:
        events = list(_client(fake_server).chat_stream(model=MODEL, messages=QUESTION))
    deltas = [e.delta.message.content.text for e in events if e.type == "content-delta"]
    assert "".join(deltas) == wiring.REDACTED_ANSWER
    assert not any("bob@" in delta or "7946" in delta for delta in deltas)
    # an inserted delta, right before the item's end, carries the text the guard held back
    assert [e.type for e in events][-3:] == ["content-delta", "content-end", "message-end"]
    assert len(deltas) == len(wiring.ANSWER_PIECES) + 1
    assert deltas[-1] != wiring.REDACTED_ANSWER  # redacted text was released before the end
    wiring.check_guarded(otel, SPAN, wiring.REDACTED_OUTPUT, wiring.OUTPUT_FINDINGS)


def test_without_a_guard_the_stream_is_untouched(otel, instrument, fake_server):
    instrument()
    events = list(_client(fake_server).chat_stream(model=MODEL, messages=QUESTION))
    deltas = [e.delta.message.content.text for e in events if e.type == "content-delta"]
    assert deltas == wiring.ANSWER_PIECES


def test_a_stream_left_early_ends_its_checks(otel, instrument, policy, fake_server):
    instrument()
    stream = _client(fake_server).chat_stream(model=MODEL, messages=QUESTION)
    read = [next(stream) for _ in range(4)]  # message-start, content-start, two deltas: nothing released
    stream.close()
    assert [e.delta.message.content.text for e in read[2:]] == ["", ""]
    wiring.check_guarded(otel, SPAN, [("input", "pass"), ("output", "pass")], [])
