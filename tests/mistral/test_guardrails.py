"""Guardrails on Mistral ``chat.complete`` / ``chat.stream`` (sync and async): the real ``mistralai`` SDK
against the loopback Mistral server."""

from __future__ import annotations

import asyncio

import pytest
from mistralai.client.models import SystemMessage, TextChunk, UserMessage

from otel_llm.guardrails import GuardrailViolation

from .. import guardrail_wiring as wiring
from . import fake_mistral

policy = wiring.policy_fixture()
MODEL = "mistral-small-latest"
REASONING_MODEL = "magistral-medium-latest"  # answers in content chunks: thinking, then text


@pytest.fixture(autouse=True)
def pii_answer(monkeypatch):
    monkeypatch.setattr(fake_mistral, "ANSWER", wiring.ANSWER_PIECES)


def test_blocked_input_never_reaches_the_transport(otel, instrument, policy, client, fake_server):
    instrument()
    sent = len(fake_server.requests)
    with pytest.raises(GuardrailViolation) as caught:
        client.chat.stream(model=MODEL, messages=[{"role": "user", "content": wiring.INJECTION}])
    assert len(fake_server.requests) == sent
    wiring.check_blocked(otel, f"chat {MODEL}", caught.value, wiring.INJECTION)


def test_redacted_input_is_what_the_server_receives(otel, instrument, policy, client, fake_server):
    instrument()
    messages = [SystemMessage(content=wiring.SYSTEM), UserMessage(content=wiring.PII_PROMPT)]
    response = client.chat.complete(model=MODEL, messages=messages)
    assert messages[1].content == wiring.PII_PROMPT  # the app's message object is not mutated
    wiring.check_redacted_chat(
        otel,
        f"chat {MODEL}",
        fake_server.requests[-1]["body"]["messages"],
        response.choices[0].message.content,
    )



def test_sdk_content_chunks_in_a_dict_message_are_redacted(otel, instrument, policy, client, fake_server):
    instrument()
    chunk = TextChunk(text=wiring.PII_PROMPT)
    messages = [{"role": "system", "content": wiring.SYSTEM}, {"role": "user", "content": [chunk]}]
    client.chat.complete(model=MODEL, messages=messages)
    assert chunk.text == wiring.PII_PROMPT  # the app's chunk object is not mutated
    [part] = fake_server.requests[-1]["body"]["messages"][1]["content"]
    assert part == {"type": "text", "text": wiring.REDACTED_PROMPT}

def test_async_output_of_a_reasoning_model_is_redacted(otel, instrument, policy, client):
    instrument()

    async def ask() -> list:
        response = await client.chat.complete_async(
            model=REASONING_MODEL, messages=[{"role": "user", "content": "How do I reach Bob?"}]
        )
        return response.choices[0].message.content

    [thinking, text] = asyncio.run(ask())
    assert text.text == wiring.REDACTED_ANSWER
    assert [part.text for part in thinking.thinking] == fake_mistral.THINKING  # not checked
    wiring.check_guarded(otel, f"chat {REASONING_MODEL}", wiring.REDACTED_OUTPUT, wiring.OUTPUT_FINDINGS)


def _text(delta_content) -> str:
    if isinstance(delta_content, str):
        return delta_content
    return "".join(chunk.text for chunk in delta_content or () if chunk.type == "text")


@pytest.mark.parametrize("model", [MODEL, REASONING_MODEL])
@pytest.mark.parametrize("is_async", [False, True])
def test_streamed_output_is_redacted(otel, instrument, policy, client, model, is_async):
    instrument()
    messages = [{"role": "user", "content": "How do I reach Bob?"}]

    async def read_async() -> list:
        return [event async for event in await client.chat.stream_async(model=model, messages=messages)]

    events = (
        asyncio.run(read_async()) if is_async else list(client.chat.stream(model=model, messages=messages))
    )
    pieces = [_text(event.data.choices[0].delta.content) for event in events]
    assert "".join(pieces) == wiring.REDACTED_ANSWER
    assert not any("bob@" in piece or "7946" in piece for piece in pieces)
    wiring.check_guarded(otel, f"chat {model}", wiring.REDACTED_OUTPUT, wiring.OUTPUT_FINDINGS)
