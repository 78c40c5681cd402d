"""Guardrails on Groq chat completions: the real ``groq`` SDK against the loopback Groq server."""

from __future__ import annotations

import asyncio

import pytest

from otel_llm.guardrails import GuardrailViolation

from .. import guardrail_wiring as wiring
from . import fake_groq

policy = wiring.policy_fixture()
SPAN = f"chat {fake_groq.MODEL}"
STREAMED = "Mail:bob@example.com,phone:+442079460958."
"""One word, so the fake server streams it in one content chunk: the guard holds it back to the end."""
STREAMED_REDACTED = "Mail:<EMAIL_ADDRESS>,phone:<PHONE_NUMBER>."


@pytest.fixture
def pii_answer(monkeypatch):
    monkeypatch.setattr(fake_groq, "ANSWER", wiring.ANSWER)


def test_blocked_input_never_reaches_the_transport(otel, instrument, policy, client, fake_server):
    instrument()
    sent = len(fake_server.requests)
    with pytest.raises(GuardrailViolation) as caught:
        client.chat.completions.create(
            model=fake_groq.MODEL, messages=[{"role": "user", "content": wiring.INJECTION}]
        )
    assert len(fake_server.requests) == sent
    wiring.check_blocked(otel, SPAN, caught.value, wiring.INJECTION)


def test_redacted_input_is_what_the_server_receives(
    otel, instrument, policy, client, fake_server, pii_answer
):
    instrument()
    messages = wiring.chat_messages()
    response = client.chat.completions.create(model=fake_groq.MODEL, messages=messages)
    assert messages == wiring.chat_messages()  # the app's messages are not mutated
    wiring.check_redacted_chat(
        otel, SPAN, fake_server.requests[-1]["body"]["messages"], response.choices[0].message.content
    )


def test_async_output_is_redacted(otel, instrument, policy, async_client, pii_answer):
    instrument()

    async def ask() -> str | None:
        response = await async_client.chat.completions.create(
            model=fake_groq.MODEL, messages=[{"role": "user", "content": "How do I reach Bob?"}]
        )
        return response.choices[0].message.content

    assert asyncio.run(ask()) == wiring.REDACTED_ANSWER
    wiring.check_guarded(otel, SPAN, wiring.REDACTED_OUTPUT, wiring.OUTPUT_FINDINGS)


@pytest.mark.parametrize("is_async", [False, True])
def test_streamed_output_is_redacted(otel, instrument, policy, client, async_client, monkeypatch, is_async):
    instrument()
    monkeypatch.setattr(fake_groq, "ANSWER", STREAMED)
    messages = [{"role": "user", "content": "How do I reach Bob?"}]

    async def read_async() -> list:
        stream = await async_client.chat.completions.create(
            model=fake_groq.MODEL, messages=messages, stream=True
        )
        return [chunk async for chunk in stream]

    if is_async:
        chunks = asyncio.run(read_async())
    else:
        chunks = list(client.chat.completions.create(model=fake_groq.MODEL, messages=messages, stream=True))
    pieces = [chunk.choices[0].delta.content or "" for chunk in chunks]
    assert "".join(pieces) == STREAMED_REDACTED
    assert pieces[-1] == STREAMED_REDACTED  # held back until the last chunk, which carries the finish reason
    wiring.check_guarded(otel, SPAN, wiring.REDACTED_OUTPUT, wiring.OUTPUT_FINDINGS)
