"""Guardrails on real google-genai calls (sync and ``client.aio``, whole and streamed) against a
loopback Gemini server that records each request and answers with PII split across stream chunks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from otel_llm.guardrails import GuardrailViolation

from .. import guardrail_wiring as wiring
from ..wire_server import Reply, sse

MODEL = "gemini-2.5-flash"
SPAN = f"generate_content {MODEL}"
policy = wiring.policy_fixture()


def _chunk(text: str, last: bool) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}, "index": 0}
    if last:
        candidate["finishReason"] = "STOP"
    return {"candidates": [candidate], "modelVersion": MODEL}


BARE_END = "End with a bare chunk"
"""A prompt the server answers with the text chunks, then a last chunk with only the finish reason."""


def route(method: str, path: str, body: Any) -> Reply:
    if not path.split("?")[0].endswith(":streamGenerateContent"):
        return Reply(json_body=_chunk(wiring.ANSWER, True))
    pieces = wiring.ANSWER_PIECES
    if body["contents"][0]["parts"][0]["text"] != BARE_END:
        return sse([_chunk(piece, i == len(pieces) - 1) for i, piece in enumerate(pieces)])
    bare = {"candidates": [{"finishReason": "STOP", "index": 0}], "modelVersion": MODEL}
    return sse([*(_chunk(piece, False) for piece in pieces), bare])


server = wiring.wire_server_fixture(route)


@pytest.fixture
def client(server, instrument):
    from google import genai
    from google.genai import types

    instrument()
    return genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=server.base_url))


def test_blocked_input_never_reaches_the_server(server, client, policy, otel):
    sent = len(server.requests)
    with pytest.raises(GuardrailViolation) as caught:
        client.models.generate_content(model=MODEL, contents=wiring.INJECTION)
    assert len(server.requests) == sent
    wiring.check_blocked(otel, SPAN, caught.value, wiring.INJECTION)


def test_redacted_input_is_what_the_server_receives(server, client, policy, otel):
    from google.genai import types

    weather = {"city": "Paris", "note": "call ann@example.org"}
    contents = [
        types.Content(role="user", parts=[types.Part(text="Hello")]),
        types.Content(role="model", parts=[types.Part(text="Hi! Mail me at me@example.net")]),
        {
            "role": "user",
            "parts": [{"text": wiring.PII_PROMPT}, {"function_response": {"name": "w", "response": weather}}],
        },
    ]
    response = client.models.generate_content(
        model=MODEL, contents=contents, config=types.GenerateContentConfig(system_instruction=wiring.SYSTEM)
    )
    body = server.requests[-1]["body"]
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "Hello"}]},
        {"role": "model", "parts": [{"text": "Hi! Mail me at me@example.net"}]},
        {
            "role": "user",
            "parts": [
                {"text": wiring.REDACTED_PROMPT},
                {
                    "functionResponse": {
                        "name": "w",
                        "response": {"city": "Paris", "note": "call <EMAIL_ADDRESS>"},
                    }
                },
            ],
        },
    ]
    assert body["systemInstruction"] == {"parts": [{"text": wiring.SYSTEM}], "role": "user"}
    assert contents[2]["parts"][0]["text"] == wiring.PII_PROMPT and weather["note"] == "call ann@example.org"
    assert response.text == wiring.REDACTED_ANSWER
    wiring.check_guarded(
        otel,
        SPAN,
        [("input", "redact"), ("output", "redact")],
        [*wiring.INPUT_FINDINGS, wiring.INPUT_FINDINGS[0], *wiring.OUTPUT_FINDINGS],
    )


def test_async_output_is_redacted(server, client, policy, otel):
    async def ask() -> str:
        response = await client.aio.models.generate_content(model=MODEL, contents="How do I reach Bob?")
        return response.text

    assert asyncio.run(ask()) == wiring.REDACTED_ANSWER
    assert server.requests[-1]["body"]["contents"] == [
        {"role": "user", "parts": [{"text": "How do I reach Bob?"}]}
    ]
    wiring.check_guarded(otel, SPAN, [("input", "pass"), ("output", "redact")], wiring.OUTPUT_FINDINGS)


def _check_stream(pieces: list[str], otel) -> None:
    wiring.check_streamed(otel, SPAN, pieces)
    [call] = [s for s in otel.spans() if s.name == SPAN]
    assert call.attributes["gen_ai.response.finish_reasons"] == ("stop",)


def test_stream_is_redacted_across_chunks(client, policy, otel):
    stream = client.models.generate_content_stream(model=MODEL, contents="How do I reach Bob?")
    _check_stream([chunk.text or "" for chunk in stream], otel)


def test_held_text_goes_into_a_last_chunk_without_text(client, policy, otel):
    chunks = list(client.models.generate_content_stream(model=MODEL, contents=BARE_END))
    assert len(chunks) == len(wiring.ANSWER_PIECES) + 1
    tail = chunks[-1].candidates[0].content.parts[0].text  # the held-back text, released at the end
    assert tail and wiring.REDACTED_ANSWER.endswith(tail)
    _check_stream([chunk.text or "" for chunk in chunks], otel)


def test_async_stream_is_redacted_across_chunks(client, policy, otel):
    async def read() -> list[str]:
        stream = await client.aio.models.generate_content_stream(model=MODEL, contents="How do I reach Bob?")
        return [chunk.text or "" async for chunk in stream]

    _check_stream(asyncio.run(read()), otel)


def test_without_a_policy_calls_are_untouched(server, client, otel):
    response = client.models.generate_content(model=MODEL, contents=wiring.PII_PROMPT)
    assert response.text == wiring.ANSWER
    assert server.requests[-1]["body"]["contents"][0]["parts"][0]["text"] == wiring.PII_PROMPT
    wiring.check_guarded(otel, SPAN, [], [])
