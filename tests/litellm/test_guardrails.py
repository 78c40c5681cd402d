"""Guardrails on ``litellm.completion`` / ``acompletion`` (streamed or not): real LiteLLM, through the
OpenAI SDK, against the loopback OpenAI fake. The OpenAI instrumentor is active too: the checks run
once, on the LiteLLM call."""

from __future__ import annotations

import asyncio

import pytest

from otel_llm.demo.fake_server import FakeOpenAIServer
from otel_llm.guardrails import GuardrailViolation

from .. import guardrail_wiring as wiring

policy = wiring.policy_fixture()
MODEL = "openai/gpt-4o-mini"
SPAN = "chat gpt-4o-mini"


@pytest.fixture
def server():
    with FakeOpenAIServer(responder=lambda body: wiring.ANSWER) as running:
        yield running


@pytest.fixture
def both(instrument, instrument_openai):
    instrument_openai()
    instrument()


def _endpoint(server: FakeOpenAIServer) -> dict[str, str]:
    return {"api_base": server.base_url, "api_key": "sk-guardrails"}


def test_blocked_input_never_reaches_the_transport(otel, both, policy, server):
    import litellm

    with pytest.raises(GuardrailViolation) as caught:
        litellm.completion(
            model=MODEL, messages=[{"role": "user", "content": wiring.INJECTION}], **_endpoint(server)
        )
    assert server.requests == []
    wiring.check_blocked(otel, SPAN, caught.value, wiring.INJECTION)


def test_redacted_input_is_what_the_server_receives(otel, both, policy, server):
    import litellm

    messages = wiring.chat_messages()
    response = litellm.completion(MODEL, messages, **_endpoint(server))  # passed by position too
    [request] = server.requests
    assert messages == wiring.chat_messages()  # the app's messages are not mutated
    wiring.check_redacted_chat(otel, SPAN, request["body"]["messages"], response.choices[0].message.content)


def test_async_output_is_redacted(otel, both, policy, server):
    import litellm

    async def ask() -> str:
        response = await litellm.acompletion(
            model=MODEL, messages=[{"role": "user", "content": "How do I reach Bob?"}], **_endpoint(server)
        )
        return response.choices[0].message.content

    assert asyncio.run(ask()) == wiring.REDACTED_ANSWER
    wiring.check_guarded(otel, SPAN, wiring.REDACTED_OUTPUT, wiring.OUTPUT_FINDINGS)


@pytest.mark.parametrize("is_async", [False, True])
def test_streamed_output_is_redacted(otel, both, policy, server, is_async):
    import litellm

    arguments = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "How do I reach Bob?"}],
        "stream": True,
        **_endpoint(server),
    }

    async def read_async() -> list:
        return [chunk async for chunk in await litellm.acompletion(**arguments)]

    chunks = asyncio.run(read_async()) if is_async else list(litellm.completion(**arguments))
    pieces = [chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices]
    assert "".join(pieces) == wiring.REDACTED_ANSWER
    assert not any("bob@" in piece or "7946" in piece for piece in pieces)
    wiring.check_guarded(otel, SPAN, wiring.REDACTED_OUTPUT, wiring.OUTPUT_FINDINGS)
