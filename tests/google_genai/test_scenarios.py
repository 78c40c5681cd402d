"""The real google-genai SDK against the loopback Gemini fake, under each content mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from otel_llm.semconv import attributes as A
from tests.semconv_modes import ALL_SEMCONV_MODES

from ..recorded_genai import MODES, ExpectedTelemetry

EXPECTED = ExpectedTelemetry(Path(__file__).parent / "expected.json")
GEMINI = A.GenAiProviderNameValues.GCP_GEMINI
GENERATE = A.GenAiOperationNameValues.GENERATE_CONTENT
EMBEDDINGS = A.GenAiOperationNameValues.EMBEDDINGS
MODEL = "gemini-2.5-flash"


def _config(**extra: Any) -> Any:
    from google.genai import types

    return types.GenerateContentConfig(
        system_instruction="Answer in one sentence.", temperature=0.3, max_output_tokens=128, **extra
    )


def _weather_tool() -> Any:
    from google.genai import types

    declaration = types.FunctionDeclaration(
        name="get_weather",
        description="Current weather in a city",
        parameters_json_schema={"type": "object", "properties": {"city": {"type": "string"}}},
    )
    return types.Tool(function_declarations=[declaration])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=GEMINI, operation=GENERATE, mode="sync")
@pytest.mark.parametrize("mode", MODES)
def test_generate_content(mode: str, otel, instrument, client) -> None:
    instrument(capture_mode=mode)
    response = client.models.generate_content(model=MODEL, contents="What is a span?", config=_config())
    assert response.text == "Spans record one operation each."
    EXPECTED.check("generate", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=GEMINI, operation=GENERATE, mode="async")
@pytest.mark.parametrize("mode", MODES)
async def test_generate_content_async(mode: str, otel, instrument, client) -> None:
    instrument(capture_mode=mode)
    response = await client.aio.models.generate_content(
        model=f"models/{MODEL}", contents=["What is", "a span?"]
    )
    EXPECTED.check("generate_async", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=GEMINI, operation=GENERATE, mode="stream")
@pytest.mark.parametrize("mode", MODES)
def test_generate_content_stream(mode: str, otel, instrument, client) -> None:
    instrument(capture_mode=mode)
    chunks = list(
        client.models.generate_content_stream(model=MODEL, contents="What is a span?", config=_config())
    )
    assert "".join(chunk.text for chunk in chunks) == "Spans record one operation each."
    EXPECTED.check("generate_stream", mode, otel, [chunks])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=GEMINI, operation=GENERATE, mode="async_stream")
@pytest.mark.parametrize("mode", MODES)
async def test_generate_content_stream_async(mode: str, otel, instrument, client) -> None:
    instrument(capture_mode=mode)
    stream = await client.aio.models.generate_content_stream(model=MODEL, contents="What is a span?")
    chunks = [chunk async for chunk in stream]
    EXPECTED.check("generate_stream_async", mode, otel, [chunks])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=GEMINI, operation=GENERATE, mode="sync", feature="tools")
@pytest.mark.parametrize("mode", MODES)
def test_function_calling_round_trip(mode: str, otel, instrument, client) -> None:
    from google.genai import types

    instrument(capture_mode=mode)
    config = types.GenerateContentConfig(
        tools=[_weather_tool()],
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )
    question = types.Content(role="user", parts=[types.Part.from_text(text="Weather in Paris?")])
    first = client.models.generate_content(model=MODEL, contents=[question], config=config)
    call = first.function_calls[0]
    answer = types.Part.from_function_response(name=call.name, response={"result": "21.5 C and sunny"})
    history = [question, first.candidates[0].content, types.Content(role="user", parts=[answer])]
    second = client.models.generate_content(model=MODEL, contents=history, config=config)
    EXPECTED.check("tools", mode, otel, [first, second])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=GEMINI, operation=GENERATE, mode="async_stream", feature="tools")
@pytest.mark.parametrize("mode", MODES)
async def test_function_calling_stream_async(mode: str, otel, instrument, client) -> None:
    from google.genai import types

    instrument(capture_mode=mode)
    config = types.GenerateContentConfig(tools=[_weather_tool()])
    stream = await client.aio.models.generate_content_stream(
        model=MODEL, contents="Weather in Paris?", config=config
    )
    chunks = [chunk async for chunk in stream]
    EXPECTED.check("tools_stream_async", mode, otel, [chunks])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=GEMINI, operation=EMBEDDINGS, mode="sync", feature="embeddings")
@pytest.mark.parametrize("mode", MODES)
def test_embed_content(mode: str, otel, instrument, client) -> None:
    instrument(capture_mode=mode)
    response = client.models.embed_content(model="text-embedding-004", contents=["first", "second"])
    EXPECTED.check("embed", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=GEMINI, operation=EMBEDDINGS, mode="async", feature="embeddings")
@pytest.mark.parametrize("mode", MODES)
async def test_embed_content_async(mode: str, otel, instrument, client) -> None:
    from google.genai import types

    instrument(capture_mode=mode)
    response = await client.aio.models.embed_content(
        model="text-embedding-004", contents="one", config=types.EmbedContentConfig(output_dimensionality=4)
    )
    assert len(response.embeddings[0].values) == 4
    EXPECTED.check("embed_async", mode, otel, [response])


VERTEX = A.GenAiProviderNameValues.GCP_VERTEX_AI


def _vertex_client(server):
    from google import genai
    from google.genai import types
    from google.oauth2.credentials import Credentials

    return genai.Client(
        vertexai=True,
        project="demo-project",
        location="us-central1",
        credentials=Credentials(token="ya29.test-token"),
        http_options=types.HttpOptions(base_url=server.base_url),
    )


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=VERTEX, operation=GENERATE, mode="sync")
@pytest.mark.parametrize("mode", MODES)
def test_vertex_ai_client(mode: str, otel, instrument, fake_server) -> None:
    """A Vertex AI client (the same SDK, another endpoint) is reported as ``gcp.vertex_ai``."""
    instrument(capture_mode=mode)
    client = _vertex_client(fake_server)  # kept alive: a collected Client closes its HTTP client
    response = client.models.generate_content(model=MODEL, contents="What is a span?")
    assert fake_server.requests[-1]["path"].startswith(
        "/v1beta1/projects/demo-project/locations/us-central1/"
    )
    EXPECTED.check("vertex_ai", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=VERTEX, operation=GENERATE, mode="async")
@pytest.mark.parametrize("mode", MODES)
async def test_vertex_ai_async(mode: str, otel, instrument, fake_server) -> None:
    instrument(capture_mode=mode)
    client = _vertex_client(fake_server)
    response = await client.aio.models.generate_content(model=MODEL, contents="What is a span?")
    EXPECTED.check("vertex_ai", mode, otel, [response])  # the same telemetry as the sync call


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=VERTEX, operation=GENERATE, mode="stream", feature="tools")
@pytest.mark.parametrize("mode", MODES)
def test_vertex_ai_function_calling_stream(mode: str, otel, instrument, fake_server) -> None:
    from google.genai import types

    instrument(capture_mode=mode)
    client = _vertex_client(fake_server)
    config = types.GenerateContentConfig(tools=[_weather_tool()])
    chunks = list(
        client.models.generate_content_stream(model=MODEL, contents="Weather in Paris?", config=config)
    )
    EXPECTED.check("vertex_ai_tools_stream", mode, otel, [chunks])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=GEMINI, operation=GENERATE, mode="async", feature="tools")
@pytest.mark.parametrize("mode", MODES)
async def test_function_calling_async(mode: str, otel, instrument, client) -> None:
    from google.genai import types

    instrument(capture_mode=mode)
    config = types.GenerateContentConfig(
        tools=[_weather_tool()], response_mime_type="application/json", seed=3
    )
    response = await client.aio.models.generate_content(
        model=MODEL, contents="Weather in Paris?", config=config
    )
    EXPECTED.check("tools_async", mode, otel, [response])


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider=GEMINI, operation=GENERATE, mode="sync", feature="errors")
def test_api_error_is_recorded(otel, instrument, client) -> None:
    from google.genai import errors

    from ..recorded_genai import check_failed_call

    instrument()
    with pytest.raises(errors.ClientError) as raised:
        client.models.generate_content(model="gemini-unknown", contents="hi")
    assert raised.value.code == 404
    check_failed_call(otel, raised.value, "generate_content gemini-unknown")
