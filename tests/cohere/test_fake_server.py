"""Cohere v2 calls the recordings lack, against the loopback fake: request parameters, async chat,
an async tool call and an API error."""

from __future__ import annotations

from pathlib import Path

import pytest

from otel_llm.semconv import attributes as A
from tests.semconv_modes import ALL_SEMCONV_MODES

from ..recorded_genai import MODES, ExpectedTelemetry, check_failed_call
from .fake_cohere import UNKNOWN_MODEL

EXPECTED = ExpectedTelemetry(Path(__file__).parent / "expected.json")
PROVIDER = A.GenAiProviderNameValues.COHERE
MESSAGES = [
    {"role": "system", "content": "Answer in one sentence."},
    {"role": "user", "content": "What is a span?"},
]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def _client(server, is_async: bool = False):
    import cohere

    return (cohere.AsyncClientV2 if is_async else cohere.ClientV2)(
        api_key="test-key", base_url=server.base_url
    )


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation="chat", mode="sync", feature="request_parameters")
@pytest.mark.parametrize("mode", MODES)
def test_chat_with_parameters(mode: str, otel, instrument, fake_server) -> None:
    instrument(capture_mode=mode)
    response = _client(fake_server).chat(
        model="command-a-03-2025",
        messages=MESSAGES,
        max_tokens=200,
        temperature=0.3,
        p=0.9,
        k=40,
        seed=7,
        frequency_penalty=0.1,
        presence_penalty=0.2,
        stop_sequences=["END"],
        response_format={"type": "json_object"},
    )
    EXPECTED.check("fake_chat_parameters", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation="chat", mode="async")
@pytest.mark.parametrize("mode", MODES)
async def test_async_chat(mode: str, otel, instrument, fake_server) -> None:
    instrument(capture_mode=mode)
    response = await _client(fake_server, True).chat(model="command-r-plus", messages=MESSAGES)
    EXPECTED.check("fake_chat_async", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation="chat", mode="async", feature="tools")
@pytest.mark.parametrize("mode", MODES)
async def test_async_tool_call(mode: str, otel, instrument, fake_server) -> None:
    instrument(capture_mode=mode)
    response = await _client(fake_server, True).chat(
        model="command-r-plus", messages=MESSAGES[1:], tools=[WEATHER_TOOL]
    )
    assert response.message.tool_calls[0].function.name == "get_weather"
    EXPECTED.check("fake_tool_call_async", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation="chat", mode="sync", feature="errors")
def test_api_error_is_recorded(otel, instrument, fake_server) -> None:
    """The API's 404 is the SDK's ``NotFoundError``: it reaches the app and is the span's error."""
    from cohere.errors import NotFoundError  # cohere loads its submodules lazily

    instrument()
    with pytest.raises(NotFoundError) as raised:
        _client(fake_server).chat(model=UNKNOWN_MODEL, messages=MESSAGES)
    check_failed_call(otel, raised.value, f"chat {UNKNOWN_MODEL}")
