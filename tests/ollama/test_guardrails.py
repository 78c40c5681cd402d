"""Guardrails on Ollama ``chat`` and ``generate`` (sync, async, streamed): the real ``ollama`` client
against the loopback Ollama server, here also serving ``/api/generate``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import ollama
from otel_llm.guardrails import GuardrailViolation

from .. import guardrail_wiring as wiring
from ..wire_server import Reply, WireServer, ndjson
from . import fake_ollama

policy = wiring.policy_fixture()
MODEL = "llama3.1"
CHAT_SPAN = f"chat {MODEL}"
GENERATE_SPAN = f"text_completion {MODEL}"
SUFFIX = "\n    return 'ann@example.org'"  # the code after the cursor, in a fill-in-the-middle call


def _route(method: str, path: str, body: Any) -> Reply:
    """``/api/generate`` answers in ``response`` (the last NDJSON line carries ``done``); the rest as
    the Ollama fake answers."""
    if path != "/api/generate":
        return fake_ollama.route(method, path, body)
    chunks = [{**c, "response": c["message"]["content"]} for c in fake_ollama.chat_chunks(body)]
    for chunk in chunks:
        del chunk["message"]
    if body.get("stream", True):
        return ndjson(chunks)
    return Reply(json_body={**chunks[-1], "response": "".join(c["response"] for c in chunks)})


@pytest.fixture(scope="module")
def server():
    with WireServer(_route) as running:
        yield running


@pytest.fixture(autouse=True)
def pii_answer(monkeypatch):
    monkeypatch.setattr(fake_ollama, "ANSWER", wiring.ANSWER_PIECES)


def test_blocked_input_never_reaches_the_transport(otel, instrument, policy, server):
    instrument()
    sent = len(server.requests)
    with pytest.raises(GuardrailViolation) as caught:
        ollama.Client(host=server.base_url).chat(MODEL, [{"role": "user", "content": wiring.INJECTION}])
    assert len(server.requests) == sent
    wiring.check_blocked(otel, CHAT_SPAN, caught.value, wiring.INJECTION)


def test_redacted_chat_input_is_what_the_server_receives(otel, instrument, policy, server):
    instrument()
    messages = [
        ollama.Message(role="system", content=wiring.SYSTEM),
        ollama.Message(role="user", content=wiring.PII_PROMPT),
    ]
    response = ollama.Client(host=server.base_url).chat(MODEL, messages)  # passed by position too
    assert messages[1].content == wiring.PII_PROMPT  # the app's message object is not mutated
    wiring.check_redacted_chat(
        otel, CHAT_SPAN, server.requests[-1]["body"]["messages"], response.message.content
    )


def test_redacted_generate_prompt_and_answer(otel, instrument, policy, server):
    instrument()
    client = ollama.Client(host=server.base_url)
    response = client.generate(MODEL, wiring.PII_PROMPT, suffix=SUFFIX, system=wiring.SYSTEM)
    body = server.requests[-1]["body"]
    assert (body["prompt"], body["suffix"]) == (wiring.REDACTED_PROMPT, "\n    return '<EMAIL_ADDRESS>'")
    assert body["system"] == wiring.SYSTEM  # the app's own instructions: not checked
    assert response.response == wiring.REDACTED_ANSWER
    suffix_finding = wiring.event("pii", "input", "redact", "EMAIL_ADDRESS", "pii", 1.0)
    wiring.check_guarded(
        otel,
        GENERATE_SPAN,
        wiring.REDACTED_BOTH_WAYS,
        [*wiring.INPUT_FINDINGS, suffix_finding, *wiring.OUTPUT_FINDINGS],
    )


def _read(operation: str, server: WireServer, is_async: bool) -> list:
    """Stream ``chat`` or ``generate`` with the sync or async client; the chunks read."""
    arguments: dict[str, Any] = {"model": MODEL, "stream": True}
    if operation == "chat":
        arguments["messages"] = [{"role": "user", "content": "How do I reach Bob?"}]
    else:
        arguments["prompt"] = "How do I reach Bob?"
    if not is_async:
        return list(getattr(ollama.Client(host=server.base_url), operation)(**arguments))

    async def read() -> list:
        stream = await getattr(ollama.AsyncClient(host=server.base_url), operation)(**arguments)
        return [chunk async for chunk in stream]

    return asyncio.run(read())


@pytest.mark.parametrize("operation", ["chat", "generate"])
@pytest.mark.parametrize("is_async", [False, True])
def test_streamed_output_is_redacted(otel, instrument, policy, server, operation, is_async):
    instrument()
    chunks = _read(operation, server, is_async)
    pieces = [chunk.message.content if operation == "chat" else chunk.response for chunk in chunks]
    assert "".join(pieces) == wiring.REDACTED_ANSWER
    assert not any("bob@" in piece or "7946" in piece for piece in pieces)
    span = CHAT_SPAN if operation == "chat" else GENERATE_SPAN
    wiring.check_guarded(otel, span, wiring.REDACTED_OUTPUT, wiring.OUTPUT_FINDINGS)
