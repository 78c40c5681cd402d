"""OpenAI's stream helpers (``chat.completions.stream()``, ``responses.stream()``): every way out of the
``with`` block ends the span there, once, as a success or with the app's error (#5).

Before, leaving early closed only the HTTP response: the span ended (as a success) when the helper was
garbage-collected, and was lost if it lived until the process exited.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import yaml

import openai
from otel_llm.semconv import attributes as A

from ..wire_server import Reply, WireServer

RECORDED = (
    Path(__file__).parents[1] / "openai" / "cassettes" / "test_responses" / "test_responses_streaming.yaml"
)
MESSAGES = [{"role": "user", "content": "Tell me about spans"}]


def chat_helper(client):
    return client.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES)


def responses_helper(client):
    return client.responses.stream(model="gpt-4.1-nano", input="Tell me about spans")


HELPERS = {"chat": (chat_helper, "chat gpt-4o-mini"), "responses": (responses_helper, "chat gpt-4.1-nano")}


def only_span(otel, name: str, error: str | None = None):
    spans = [s for s in otel.spans() if s.name == name]
    assert len(spans) == 1, [s.name for s in otel.spans()]
    span = spans[0]
    assert span.attributes[A.GEN_AI_REQUEST_STREAM] is True
    assert span.attributes.get(A.ERROR_TYPE) == error
    assert span.status.status_code.name == ("ERROR" if error else "UNSET")
    return span


@pytest.fixture(scope="module")
def helper_server(fake_server):
    """Chat completions from the fake OpenAI server; a recorded Responses event stream (which the
    ``responses.stream()`` helper checks event by event) for the Responses API."""
    events = yaml.safe_load(RECORDED.read_text())["interactions"][0]["response"]["body"]["string"]
    frames = [frame.encode() + b"\n\n" for frame in events.split("\n\n") if frame.strip()]

    def route(method, path, body):
        if path.endswith("/responses"):
            return Reply(frames=frames, content_type="text/event-stream")
        relayed = urllib.request.Request(
            fake_server.base_url + path, json.dumps(body).encode(), {"content-type": "application/json"}
        )
        with urllib.request.urlopen(relayed) as answer:
            return Reply(frames=[answer.read()], content_type="text/event-stream")

    with WireServer(route) as server:
        yield server


@pytest.fixture
def client(helper_server):
    return openai.OpenAI(base_url=helper_server.base_url, api_key="sk-test", max_retries=0)


@pytest.fixture
def async_openai_client(helper_server):
    return openai.AsyncOpenAI(base_url=helper_server.base_url, api_key="sk-test", max_retries=0)


@pytest.mark.parametrize("helper", HELPERS)
def test_fully_read(otel, client, instrument_openai, helper):
    make, name = HELPERS[helper]
    instrument_openai()
    with make(client) as stream:
        events = list(stream)
    assert len(events) >= 3
    only_span(otel, name)


@pytest.mark.parametrize("helper", HELPERS)
def test_left_early(otel, client, instrument_openai, helper):
    make, name = HELPERS[helper]
    instrument_openai()
    stream_ref = None
    with make(client) as stream:
        stream_ref = stream  # the app keeps the helper alive: the span must not wait for collection
        next(iter(stream))
    span = only_span(otel, name)
    assert A.GEN_AI_RESPONSE_FINISH_REASONS not in span.attributes
    assert stream_ref is not None


@pytest.mark.parametrize("helper", HELPERS)
def test_app_error_inside_the_block(otel, client, instrument_openai, helper):
    make, name = HELPERS[helper]
    instrument_openai()
    with pytest.raises(KeyError), make(client) as stream:
        next(iter(stream))
        raise KeyError("app bug")
    only_span(otel, name, error="KeyError")


@pytest.mark.parametrize("helper", HELPERS)
def test_closed_explicitly(otel, client, instrument_openai, helper):
    make, name = HELPERS[helper]
    instrument_openai()
    with make(client) as stream:
        next(iter(stream))
        stream.close()
        only_span(otel, name)


@pytest.mark.parametrize("helper", HELPERS)
async def test_async_left_early(otel, async_openai_client, instrument_openai, helper):
    make, name = HELPERS[helper]
    instrument_openai()
    async with make(async_openai_client) as stream:
        await stream.__aiter__().__anext__()
    only_span(otel, name)


@pytest.mark.parametrize("helper", HELPERS)
async def test_async_app_error_inside_the_block(otel, async_openai_client, instrument_openai, helper):
    make, name = HELPERS[helper]
    instrument_openai()
    with pytest.raises(ValueError):
        async with make(async_openai_client) as stream:
            await stream.__aiter__().__anext__()
            raise ValueError("app bug")
    only_span(otel, name, error="ValueError")


@pytest.mark.parametrize("helper", HELPERS)
async def test_async_fully_read(otel, async_openai_client, instrument_openai, helper):
    make, name = HELPERS[helper]
    instrument_openai()
    async with make(async_openai_client) as stream:
        events = [event async for event in stream]
    assert len(events) >= 3
    only_span(otel, name)
