"""Every exit path of ``chat.stream`` / ``chat.stream_async`` ends the span once (tests/stream_exits.py)."""

from __future__ import annotations

import json

import pytest

from otel_llm.semconv import attributes as A

from ..stream_exits import BrokenStreamServer, StreamExitSuite, covers_stream_exits, sse_head

MESSAGES = [{"role": "user", "content": "Tell me about spans"}]
FIRST_EVENT = (
    b"data: "
    + json.dumps(
        {
            "id": "cmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "mistral-small-2506",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None}],
        }
    ).encode()
    + b"\n\n"
)


@pytest.fixture(scope="module")
def broken_server():
    server = BrokenStreamServer(sse_head(FIRST_EVENT))
    yield server
    server.close()


def _mistral(server_url: str):
    from mistralai.client import Mistral

    return Mistral(api_key="test-key", server_url=server_url)


@pytest.fixture
def open_stream(client):
    return lambda: client.chat.stream(model="mistral-small-latest", messages=MESSAGES)


@pytest.fixture
def open_async_stream(client):
    return lambda: client.chat.stream_async(model="mistral-small-latest", messages=MESSAGES)


@pytest.fixture
def open_broken_stream(broken_server):
    return lambda: _mistral(broken_server.base_url).chat.stream(
        model="mistral-small-latest", messages=MESSAGES
    )


@pytest.fixture
def open_broken_async_stream(broken_server):
    client = _mistral(broken_server.base_url)
    return lambda: client.chat.stream_async(model="mistral-small-latest", messages=MESSAGES)


@covers_stream_exits(A.GenAiProviderNameValues.MISTRAL_AI, "chat")
class TestMistralStreamExits(StreamExitSuite):
    SPAN_NAME = "chat mistral-small-latest"
