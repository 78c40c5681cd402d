"""Every exit path of LiteLLM's ``CustomStreamWrapper`` (sync and async) ends the span once."""

from __future__ import annotations

import pytest

from otel_llm.semconv import attributes as A

from ..stream_exits import BrokenStreamServer, StreamExitSuite, covers_stream_exits, sse_head

MESSAGES = [{"role": "user", "content": "Tell me about spans"}]
FIRST_EVENT = (
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n'
)


@pytest.fixture(scope="module")
def broken_server():
    server = BrokenStreamServer(sse_head(FIRST_EVENT))
    yield server
    server.close()


def _arguments(base_url: str) -> dict:
    return {
        "model": "openai/gpt-4o-mini",
        "messages": MESSAGES,
        "stream": True,
        "api_base": base_url,
        "api_key": "sk-test",
        "max_retries": 0,
    }


@pytest.fixture
def open_stream(fake_server):
    import litellm

    return lambda: litellm.completion(**_arguments(fake_server.base_url))


@pytest.fixture
def open_async_stream(fake_server):
    import litellm

    return lambda: litellm.acompletion(**_arguments(fake_server.base_url))


@pytest.fixture
def open_broken_stream(broken_server):
    import litellm

    return lambda: litellm.completion(**_arguments(broken_server.base_url))


@pytest.fixture
def open_broken_async_stream(broken_server):
    import litellm

    return lambda: litellm.acompletion(**_arguments(broken_server.base_url))


@covers_stream_exits("litellm", "chat")
class TestLiteLLMStreamExits(StreamExitSuite):
    SPAN_NAME = "chat gpt-4o-mini"
    ASYNC_CLOSE = "aclose"


def test_stream_keeps_its_type(otel, instrument, open_stream):
    """The app still gets LiteLLM's wrapper API (its helpers pass through the proxy)."""
    from litellm import CustomStreamWrapper

    instrument()
    stream = open_stream()
    assert isinstance(stream, CustomStreamWrapper)
    assert stream.model == "gpt-4o-mini"
    list(stream)
    assert otel.spans()[0].attributes[A.GEN_AI_PROVIDER_NAME] == "openai"
