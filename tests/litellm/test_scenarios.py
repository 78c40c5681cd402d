"""LiteLLM completion, acompletion and embedding through the OpenAI SDK, against the loopback fake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from otel_llm.semconv import attributes as A
from tests.semconv_modes import ALL_SEMCONV_MODES

from ..recorded_genai import MODES, ExpectedTelemetry

EXPECTED = ExpectedTelemetry(Path(__file__).parent / "expected.json")
PROVIDER = A.GenAiProviderNameValues.OPENAI
CHAT = A.GenAiOperationNameValues.CHAT
EMBEDDINGS = A.GenAiOperationNameValues.EMBEDDINGS
MODEL = "openai/gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "What is a span?"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def _endpoint(server: Any) -> dict[str, Any]:
    return {"api_base": server.base_url, "api_key": "sk-test"}


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="litellm", operation=CHAT, mode="sync")
@pytest.mark.parametrize("mode", MODES)
def test_completion(mode: str, otel, instrument, fake_server) -> None:
    import litellm

    instrument(capture_mode=mode)
    response = litellm.completion(MODEL, MESSAGES, temperature=0.2, max_tokens=100, **_endpoint(fake_server))
    EXPECTED.check("completion", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="litellm", operation=CHAT, mode="async")
@pytest.mark.parametrize("mode", MODES)
async def test_acompletion(mode: str, otel, instrument, fake_server) -> None:
    import litellm

    instrument(capture_mode=mode)
    response = await litellm.acompletion(model=MODEL, messages=MESSAGES, **_endpoint(fake_server))
    EXPECTED.check("acompletion", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="litellm", operation=CHAT, mode="stream")
@pytest.mark.parametrize("mode", MODES)
def test_completion_stream(mode: str, otel, instrument, fake_server) -> None:
    import litellm

    instrument(capture_mode=mode)
    stream = litellm.completion(
        model=MODEL,
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True},
        **_endpoint(fake_server),
    )
    chunks = list(stream)
    EXPECTED.check("completion_stream", mode, otel, [chunks])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="litellm", operation=CHAT, mode="async_stream")
@pytest.mark.parametrize("mode", MODES)
async def test_acompletion_stream(mode: str, otel, instrument, fake_server) -> None:
    import litellm

    instrument(capture_mode=mode)
    stream = await litellm.acompletion(model=MODEL, messages=MESSAGES, stream=True, **_endpoint(fake_server))
    chunks = [chunk async for chunk in stream]
    EXPECTED.check("acompletion_stream", mode, otel, [chunks])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="litellm", operation=CHAT, mode="sync", feature="tools")
@pytest.mark.parametrize("mode", MODES)
def test_completion_tool_call(mode: str, otel, instrument, fake_server) -> None:
    import litellm

    instrument(capture_mode=mode)
    response = litellm.completion(
        model=MODEL, messages=MESSAGES, tools=[WEATHER_TOOL], **_endpoint(fake_server)
    )
    assert response.choices[0].message.tool_calls[0].function.name == "get_weather"
    EXPECTED.check("tools", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="litellm", operation=EMBEDDINGS, mode="sync", feature="embeddings")
@pytest.mark.parametrize("mode", MODES)
def test_embedding(mode: str, otel, instrument, fake_server) -> None:
    import litellm

    instrument(capture_mode=mode)
    response = litellm.embedding(
        "openai/text-embedding-3-small", ["first", "second"], **_endpoint(fake_server)
    )
    EXPECTED.check("embedding", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="litellm", operation=EMBEDDINGS, mode="async", feature="embeddings")
@pytest.mark.parametrize("mode", MODES)
async def test_aembedding(mode: str, otel, instrument, fake_server) -> None:
    import litellm

    instrument(capture_mode=mode)
    response = await litellm.aembedding(
        model="openai/text-embedding-3-small", input="one", dimensions=4, **_endpoint(fake_server)
    )
    EXPECTED.check("aembedding", mode, otel, [response])


@ALL_SEMCONV_MODES
def test_unknown_provider_is_reported_as_litellm(otel, instrument, fake_server) -> None:
    """A provider without a registry value (here LiteLLM's ``hosted_vllm``) keeps the ``litellm`` name."""
    import litellm

    instrument()
    litellm.completion(model="hosted_vllm/my-llama", messages=MESSAGES, **_endpoint(fake_server))
    (span,) = otel.spans()
    assert span.name == "chat my-llama"
    assert span.attributes[A.GEN_AI_PROVIDER_NAME] == A.GenAiProviderNameValues.LITELLM
    assert A.OPENAI_API_TYPE not in span.attributes


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="litellm", operation=CHAT, mode="sync", feature="errors")
def test_api_error_is_recorded(otel, instrument, fake_server) -> None:
    import litellm
    from otel_llm.demo.fake_server import FAILING_MODEL

    from ..recorded_genai import check_failed_call

    instrument()
    with pytest.raises(litellm.NotFoundError) as raised:
        litellm.completion(model=f"openai/{FAILING_MODEL}", messages=MESSAGES, **_endpoint(fake_server))
    check_failed_call(otel, raised.value, f"chat {FAILING_MODEL}")


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="litellm", operation=CHAT, mode="async", feature="tools")
@pytest.mark.parametrize("mode", MODES)
async def test_acompletion_tool_call(mode: str, otel, instrument, fake_server) -> None:
    import litellm

    instrument(capture_mode=mode)
    response = await litellm.acompletion(
        model=MODEL, messages=MESSAGES, tools=[WEATHER_TOOL], **_endpoint(fake_server)
    )
    EXPECTED.check("tools_async", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="litellm", operation=CHAT, mode="stream", feature="tools")
@pytest.mark.parametrize("mode", MODES)
def test_completion_tool_call_stream(mode: str, otel, instrument, fake_server) -> None:
    import litellm

    instrument(capture_mode=mode)
    stream = litellm.completion(
        model=MODEL,
        messages=MESSAGES,
        tools=[WEATHER_TOOL],
        stream=True,
        stream_options={"include_usage": True},
        **_endpoint(fake_server),
    )
    chunks = list(stream)
    EXPECTED.check("tools_stream", mode, otel, [chunks])
