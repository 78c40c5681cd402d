"""Every exit path of a Groq chat stream ends the span once (tests/stream_exits.py)."""

from __future__ import annotations

import json

import pytest

from otel_llm.semconv import attributes as A

from ..stream_exits import BrokenStreamServer, StreamExitSuite, sse_head
from .fake_groq import MODEL

MESSAGES = [{"role": "user", "content": "Tell me about spans"}]
FIRST_EVENT = (
    b"data: "
    + json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": MODEL,
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


@pytest.fixture
def open_stream(client):
    return lambda: client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)


@pytest.fixture
def open_async_stream(async_client):
    return lambda: async_client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)


@pytest.fixture
def open_broken_stream(broken_server):
    import groq

    client = groq.Groq(api_key="gsk-test", base_url=broken_server.base_url, max_retries=0)
    return lambda: client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)


@pytest.fixture
def open_broken_async_stream(broken_server):
    import groq

    client = groq.AsyncGroq(api_key="gsk-test", base_url=broken_server.base_url, max_retries=0)
    return lambda: client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)


@pytest.mark.covers(
    provider=A.GenAiProviderNameValues.GROQ, operation="chat", mode="stream", feature="stream_exits"
)
class TestGroqStreamExits(StreamExitSuite):
    SPAN_NAME = f"chat {MODEL}"
