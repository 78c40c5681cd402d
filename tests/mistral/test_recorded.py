"""Every recorded Mistral scenario (and tool calls against the loopback fake) under each content mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from otel_llm.semconv import attributes as A
from tests.semconv_modes import ALL_SEMCONV_MODES

from ..recorded_genai import (
    MODES,
    ExpectedTelemetry,
    check_failed_call,
    covered_cases,
    recorded_bodies,
    replay_cassette,
    replayer,
)

CASSETTES = Path(__file__).parent / "cassettes"
EXPECTED = ExpectedTelemetry(Path(__file__).parent / "expected.json")
REPLAY = replayer(CASSETTES)
PROVIDER = A.GenAiProviderNameValues.MISTRAL_AI
CHAT = A.GenAiOperationNameValues.CHAT
EMBEDDINGS = A.GenAiOperationNameValues.EMBEDDINGS

RECORDED = {
    # name: (cassette, async?)
    "chat": ("test_chat/test_mistralai_chat_with_events_with_content.yaml", False),
    "chat_async": ("test_chat/test_mistralai_async_chat_with_events_with_content.yaml", True),
    "chat_stream": ("test_chat/test_mistralai_streaming_chat_with_events_with_content.yaml", False),
    "chat_stream_async": (
        "test_chat/test_mistralai_async_streaming_chat_with_events_with_content.yaml",
        True,
    ),
    "chat_cache_tokens": ("test_chat/test_mistralai_chat_with_cache_tokens.yaml", False),
    "embeddings": ("test_embeddings/test_mistral_embeddings_with_events_with_content.yaml", False),
    "embeddings_async": ("test_embeddings/test_mistral_async_embeddings_with_events_with_content.yaml", True),
}
COVERS = {
    "chat": (CHAT, "sync", None),
    "chat_async": (CHAT, "async", None),
    "chat_stream": (CHAT, "stream", None),
    "chat_stream_async": (CHAT, "async_stream", None),
    "chat_cache_tokens": (CHAT, "sync", "prompt_caching"),
    "embeddings": (EMBEDDINGS, "sync", "embeddings"),
    "embeddings_async": (EMBEDDINGS, "async", "embeddings"),
}


def _call(client: Any, body: dict[str, Any], is_async: bool) -> Any:
    """The SDK method and arguments that send this recorded body."""
    body = dict(body)
    if "input" in body:
        method = client.embeddings.create_async if is_async else client.embeddings.create
        return method(model=body["model"], inputs=body["input"])
    if body.pop("stream", False):
        return (client.chat.stream_async if is_async else client.chat.stream)(**body)
    return (client.chat.complete_async if is_async else client.chat.complete)(**body)


async def replay(name: str) -> list[Any]:
    from mistralai.client import Mistral

    cassette, is_async = RECORDED[name]
    client = Mistral(api_key="test-key")
    return await replay_cassette(REPLAY, CASSETTES / cassette, is_async, lambda b: _call(client, b, is_async))


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(("scenario", "mode"), covered_cases(PROVIDER, COVERS))
async def test_recorded_scenario(scenario: str, mode: str, otel, instrument) -> None:
    instrument(capture_mode=mode)
    results = await replay(scenario)
    EXPECTED.check(scenario, mode, otel, results)


# -- tool calls: the real SDK against the loopback fake server ----------------------------------

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
QUESTION = {"role": "user", "content": "What is the weather in Paris?"}


def _tool_history(call: Any) -> list[dict[str, Any]]:
    """The question, the model's tool call and the tool's answer: the second turn of a tool loop."""
    return [
        QUESTION,
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": call.id, "type": "function", "function": call.function.model_dump()}],
        },
        {"role": "tool", "tool_call_id": call.id, "name": "get_weather", "content": "21.5 C and sunny"},
    ]


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=CHAT, mode="sync", feature="tools")
@pytest.mark.parametrize("mode", MODES)
def test_tool_call_round_trip(mode: str, otel, instrument, client) -> None:
    instrument(capture_mode=mode)
    first = client.chat.complete(model="mistral-small-latest", messages=[QUESTION], tools=[WEATHER_TOOL])
    call = first.choices[0].message.tool_calls[0]
    second = client.chat.complete(
        model="mistral-small-latest", messages=_tool_history(call), tools=[WEATHER_TOOL]
    )
    EXPECTED.check("tools", mode, otel, [first, second])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=CHAT, mode="stream", feature="tools")
@pytest.mark.parametrize("mode", MODES)
def test_tool_call_stream(mode: str, otel, instrument, client) -> None:
    instrument(capture_mode=mode)
    chunks = list(client.chat.stream(model="mistral-small-latest", messages=[QUESTION], tools=[WEATHER_TOOL]))
    EXPECTED.check("tools_stream", mode, otel, [chunks])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=CHAT, mode="async", feature="tools")
@pytest.mark.parametrize("mode", MODES)
async def test_tool_call_async(mode: str, otel, instrument, client) -> None:
    instrument(capture_mode=mode)
    response = await client.chat.complete_async(
        model="mistral-small-latest",
        messages=[QUESTION],
        tools=[WEATHER_TOOL],
        temperature=0.2,
        max_tokens=64,
    )
    EXPECTED.check("tools_async", mode, otel, [response])


def test_every_scenario_replays_its_own_recorded_requests() -> None:
    for cassette, _ in RECORDED.values():
        assert recorded_bodies(CASSETTES / cassette), cassette


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=CHAT, mode="sync", feature="reasoning")
@pytest.mark.parametrize("mode", MODES)
def test_reasoning_model(mode: str, otel, instrument, client) -> None:
    """Magistral answers in content chunks: the thinking is a reasoning part, the text a text part."""
    instrument(capture_mode=mode)
    response = client.chat.complete(model="magistral-small-latest", messages=[QUESTION])
    EXPECTED.check("reasoning", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=CHAT, mode="stream", feature="reasoning")
@pytest.mark.parametrize("mode", MODES)
def test_reasoning_model_stream(mode: str, otel, instrument, client) -> None:
    instrument(capture_mode=mode)
    events = list(client.chat.stream(model="magistral-small-latest", messages=[QUESTION]))
    assert isinstance(events[1].data.choices[0].delta.content, list)  # the app's chunks are untouched
    EXPECTED.check("reasoning_stream", mode, otel, [events])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=CHAT, mode="sync", feature="errors")
def test_api_error_is_recorded(otel, instrument, client) -> None:
    from mistralai.client.errors import MistralError

    from .fake_mistral import UNKNOWN_MODEL

    instrument()
    with pytest.raises(MistralError) as raised:
        client.chat.complete(model=UNKNOWN_MODEL, messages=[QUESTION])
    assert raised.value.status_code == 400
    check_failed_call(otel, raised.value, f"chat {UNKNOWN_MODEL}")
