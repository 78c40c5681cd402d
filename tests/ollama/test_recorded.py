"""Every recorded Ollama scenario (plus tool calls and ``embed`` against the loopback fake) under each
content mode, through the real ``ollama`` client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from otel_llm.semconv import attributes as A
from tests.semconv_modes import ALL_SEMCONV_MODES

from ..recorded_genai import (
    MODES,
    ExpectedTelemetry,
    covered_cases,
    recorded_bodies,
    replay_cassette,
    replayer,
)

CASSETTES = Path(__file__).parent / "cassettes"
EXPECTED = ExpectedTelemetry(Path(__file__).parent / "expected.json")
REPLAY = replayer(CASSETTES)
PROVIDER = A.GenAiProviderNameValues.OLLAMA
CHAT = A.GenAiOperationNameValues.CHAT
COMPLETION = A.GenAiOperationNameValues.TEXT_COMPLETION
EMBEDDINGS = A.GenAiOperationNameValues.EMBEDDINGS

RECORDED = {
    # name: (cassette, async?)
    "chat": ("test_chat/test_ollama_chat_with_events_with_content.yaml", False),
    "chat_async": ("test_chat/test_ollama_async_chat_with_events_with_content.yaml", True),
    "chat_stream": ("test_chat/test_ollama_streaming_chat_with_events_with_content.yaml", False),
    "chat_stream_async": ("test_chat/test_ollama_async_streaming_chat_with_events_with_content.yaml", True),
    "chat_tool_history": ("test_chat/test_ollama_chat_tool_calls_with_events_with_content.yaml", False),
    "generate": ("test_generation/test_ollama_generation_with_events_with_content.yaml", False),
    "generate_async": ("test_generation/test_ollama_async_generation_with_events_with_content.yaml", True),
    "generate_stream": (
        "test_generation/test_ollama_streaming_generation_with_events_with_content.yaml",
        False,
    ),
    "generate_stream_async": (
        "test_generation/test_ollama_async_streaming_generation_with_events_with_content.yaml",
        True,
    ),
    "embeddings": ("test_embeddings/test_ollama_embeddings_with_events_with_content.yaml", False),
}
COVERS = {
    "chat": (CHAT, "sync", None),
    "chat_async": (CHAT, "async", None),
    "chat_stream": (CHAT, "stream", None),
    "chat_stream_async": (CHAT, "async_stream", None),
    "chat_tool_history": (CHAT, "sync", "tools"),
    "generate": (COMPLETION, "sync", None),
    "generate_async": (COMPLETION, "async", None),
    "generate_stream": (COMPLETION, "stream", None),
    "generate_stream_async": (COMPLETION, "async_stream", None),
    "embeddings": (EMBEDDINGS, "sync", "embeddings"),
}


def _call(client: Any, body: dict[str, Any]) -> Any:
    """The client method that sends this recorded body (chat, generate or the legacy embeddings)."""
    if "messages" in body:
        return client.chat(**body)
    if "stream" in body:
        return client.generate(**body)
    return client.embeddings(**body)


async def replay(name: str) -> list[Any]:
    import ollama

    cassette, is_async = RECORDED[name]
    client = (ollama.AsyncClient if is_async else ollama.Client)(host="http://127.0.0.1:11434")
    return await replay_cassette(REPLAY, CASSETTES / cassette, is_async, lambda body: _call(client, body))


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(("scenario", "mode"), covered_cases(PROVIDER, COVERS))
async def test_recorded_scenario(scenario: str, mode: str, otel, instrument) -> None:
    instrument(capture_mode=mode)
    results = await replay(scenario)
    EXPECTED.check(scenario, mode, otel, results)


# -- against the loopback fake: tool calls, /api/embed, the module-level helpers ----------------

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
QUESTION = [{"role": "user", "content": "What is the weather in Paris?"}]


def get_weather(city: str) -> str:
    """Current weather in a city.

    Args:
      city: the city
    """
    return "21.5 C and sunny"


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=CHAT, mode="sync", feature="tools")
@pytest.mark.parametrize("mode", MODES)
def test_tool_call(mode: str, otel, instrument, fake_server) -> None:
    import ollama

    instrument(capture_mode=mode)
    client = ollama.Client(host=fake_server.base_url)
    response = client.chat("llama3.1", QUESTION, tools=[WEATHER_TOOL, get_weather], stream=False)
    assert response.message.tool_calls[0].function.name == "get_weather"
    EXPECTED.check("tools", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=CHAT, mode="async_stream", feature="tools")
@pytest.mark.parametrize("mode", MODES)
async def test_tool_call_stream_async(mode: str, otel, instrument, fake_server) -> None:
    import ollama

    instrument(capture_mode=mode)
    client = ollama.AsyncClient(host=fake_server.base_url)
    stream = await client.chat(
        model="llama3.1", messages=QUESTION, tools=[WEATHER_TOOL], stream=True, options={"temperature": 0.0}
    )
    chunks = [chunk async for chunk in stream]
    EXPECTED.check("tools_stream_async", mode, otel, [chunks])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=EMBEDDINGS, mode="sync", feature="embeddings")
@pytest.mark.parametrize("mode", MODES)
def test_embed(mode: str, otel, instrument, fake_server) -> None:
    import ollama

    instrument(capture_mode=mode)
    response = ollama.Client(host=fake_server.base_url).embed("all-minilm", ["first text", "second text"])
    assert len(response.embeddings) == 2
    EXPECTED.check("embed", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=EMBEDDINGS, mode="async", feature="embeddings")
@pytest.mark.parametrize("mode", MODES)
async def test_embed_async_with_dimensions(mode: str, otel, instrument, fake_server) -> None:
    import ollama

    instrument(capture_mode=mode)
    client = ollama.AsyncClient(host=fake_server.base_url)
    response = await client.embed(model="all-minilm", input="one text", dimensions=4)
    assert len(response.embeddings[0]) == 4
    EXPECTED.check("embed_async", mode, otel, [response])


def test_module_level_helpers_are_instrumented(otel, instrument, fake_server, monkeypatch) -> None:
    """``ollama.chat(...)`` goes through a default client bound at import time: still one span."""
    import ollama

    instrument()
    default = ollama.chat.__self__
    monkeypatch.setattr(default, "_client", ollama.Client(host=fake_server.base_url)._client)
    response = ollama.chat("llama3.1", QUESTION, stream=False)
    assert response.message.content == "Spans record one operation each."
    spans = otel.spans()
    assert [span.name for span in spans] == ["chat llama3.1"]
    assert spans[0].attributes[A.SERVER_ADDRESS] == "127.0.0.1"


def test_every_scenario_replays_its_own_recorded_requests() -> None:
    for cassette, _ in RECORDED.values():
        assert recorded_bodies(CASSETTES / cassette), cassette


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=CHAT, mode="stream", feature="tools")
@pytest.mark.parametrize("mode", MODES)
def test_tool_call_stream(mode: str, otel, instrument, fake_server) -> None:
    import ollama

    instrument(capture_mode=mode)
    stream = ollama.Client(host=fake_server.base_url).chat(
        model="llama3.1", messages=QUESTION, tools=[get_weather], stream=True
    )
    chunks = list(stream)
    EXPECTED.check("tools_stream", mode, otel, [chunks])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=PROVIDER, operation=CHAT, mode="async", feature="tools")
@pytest.mark.parametrize("mode", MODES)
async def test_tool_call_async(mode: str, otel, instrument, fake_server) -> None:
    import ollama

    instrument(capture_mode=mode)
    response = await ollama.AsyncClient(host=fake_server.base_url).chat(
        "llama3.1", QUESTION, tools=[WEATHER_TOOL], stream=False, format="json", options={"num_predict": 64}
    )
    EXPECTED.check("tools_async", mode, otel, [response])
