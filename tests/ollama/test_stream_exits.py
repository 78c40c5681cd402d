"""Every exit path of a streamed ``chat`` (sync generator, async generator) ends the span once."""

from __future__ import annotations

import json

import pytest

from otel_llm.semconv import attributes as A

from ..stream_exits import BrokenStreamServer, StreamExitSuite, covers_stream_exits, sse_head
from .fake_ollama import chat_chunks

MESSAGES = [{"role": "user", "content": "Tell me about spans"}]
FIRST_LINE = (json.dumps(chat_chunks({"model": "llama3.1", "messages": MESSAGES})[0]) + "\n").encode()


@pytest.fixture(scope="module")
def broken_server():
    server = BrokenStreamServer(sse_head(FIRST_LINE, content_type="application/x-ndjson"))
    yield server
    server.close()


def _stream(host: str):
    import ollama

    return ollama.Client(host=host).chat(model="llama3.1", messages=MESSAGES, stream=True)


async def _async_stream(host: str):
    import ollama

    return await ollama.AsyncClient(host=host).chat(model="llama3.1", messages=MESSAGES, stream=True)


@pytest.fixture
def open_stream(fake_server):
    return lambda: _stream(fake_server.base_url)


@pytest.fixture
def open_async_stream(fake_server):
    return lambda: _async_stream(fake_server.base_url)


@pytest.fixture
def open_broken_stream(broken_server):
    return lambda: _stream(broken_server.base_url)


@pytest.fixture
def open_broken_async_stream(broken_server):
    return lambda: _async_stream(broken_server.base_url)


@covers_stream_exits(A.GenAiProviderNameValues.OLLAMA, "chat")
class TestOllamaStreamExits(StreamExitSuite):
    SPAN_NAME = "chat llama3.1"
    ASYNC_CLOSE = "aclose"
    WITH_BLOCK = False


@pytest.mark.covers(
    provider=A.GenAiProviderNameValues.OLLAMA, operation="text_completion", mode="sync", feature="errors"
)
def test_api_error_is_recorded(otel, instrument, fake_server) -> None:
    """The fake has no ``/api/generate``: its 404 is the ``ResponseError`` the app and the span see."""
    import ollama

    from ..recorded_genai import check_failed_call

    instrument()
    with pytest.raises(ollama.ResponseError) as raised:
        ollama.Client(host=fake_server.base_url).generate("llama3.1", "hello")
    assert raised.value.status_code == 404
    check_failed_call(otel, raised.value, "text_completion llama3.1")
