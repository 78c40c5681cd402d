"""Every exit path of ``generate_content_stream`` (sync generator, async generator) ends the span once."""

from __future__ import annotations

import json

import pytest

from otel_llm.semconv import attributes as A

from ..stream_exits import BrokenStreamServer, StreamExitSuite, covers_stream_exits, sse_head
from .fake_gemini import responses

QUESTION = "What is a span?"
FIRST_EVENT = (
    f"data: {json.dumps(responses({'contents': [{'parts': [{'text': QUESTION}]}]})[0])}\n\n".encode()
)


@pytest.fixture(scope="module")
def broken_server():
    server = BrokenStreamServer(sse_head(FIRST_EVENT))
    yield server
    server.close()


def _client(base_url: str):
    from google import genai
    from google.genai import types

    return genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=base_url))


def _opener(base_url: str, is_async: bool):
    """The client lives as long as the fixture: the SDK's generators use it lazily."""
    client = _client(base_url)

    def open_stream():
        models = client.aio.models if is_async else client.models
        return models.generate_content_stream(model="gemini-2.5-flash", contents=QUESTION)

    return open_stream


@pytest.fixture
def open_stream(fake_server):
    return _opener(fake_server.base_url, False)


@pytest.fixture
def open_async_stream(fake_server):
    return _opener(fake_server.base_url, True)


@pytest.fixture
def open_broken_stream(broken_server):
    return _opener(broken_server.base_url, False)


@pytest.fixture
def open_broken_async_stream(broken_server):
    return _opener(broken_server.base_url, True)


@covers_stream_exits(A.GenAiProviderNameValues.GCP_GEMINI, "generate_content")
class TestGoogleGenAIStreamExits(StreamExitSuite):
    SPAN_NAME = "generate_content gemini-2.5-flash"
    ASYNC_CLOSE = "aclose"
    WITH_BLOCK = False
