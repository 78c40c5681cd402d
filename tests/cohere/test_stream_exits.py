"""Every exit path of the v2 ``chat_stream`` (sync and async generators) ends the span once."""

from __future__ import annotations

import json

import pytest

from otel_llm.semconv import attributes as A

from ..stream_exits import BrokenStreamServer, StreamExitSuite, covers_stream_exits, sse_head
from .fake_cohere import stream_events

MESSAGES = [{"role": "user", "content": "Tell me about spans"}]
FIRST_EVENT = f"event: message-start\ndata: {json.dumps(stream_events()[0])}\n\n".encode()


@pytest.fixture(scope="module")
def broken_server():
    server = BrokenStreamServer(sse_head(FIRST_EVENT))
    yield server
    server.close()


def _stream(base_url: str, is_async: bool):
    import cohere

    client = (cohere.AsyncClientV2 if is_async else cohere.ClientV2)(api_key="test-key", base_url=base_url)
    return client.chat_stream(model="command-r-plus", messages=MESSAGES)


async def _async_stream(base_url: str):
    return _stream(base_url, True)  # an async generator, returned without awaiting


@pytest.fixture
def open_stream(fake_server):
    return lambda: _stream(fake_server.base_url, False)


@pytest.fixture
def open_async_stream(fake_server):
    return lambda: _async_stream(fake_server.base_url)


@pytest.fixture
def open_broken_stream(broken_server):
    return lambda: _stream(broken_server.base_url, False)


@pytest.fixture
def open_broken_async_stream(broken_server):
    return lambda: _async_stream(broken_server.base_url)


@covers_stream_exits(A.GenAiProviderNameValues.COHERE, "chat")
class TestCohereStreamExits(StreamExitSuite):
    SPAN_NAME = "chat command-r-plus"
    ASYNC_CLOSE = "aclose"
    WITH_BLOCK = False
