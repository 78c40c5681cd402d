"""Ollama's client is built on httpx: with the httpx instrumentor active too, one model call is still
one span (ours); the HTTP client span is suppressed while our span is current."""

from __future__ import annotations

import pytest

from otel_llm.semconv import attributes as A

MESSAGES = [{"role": "user", "content": "What is a span?"}]


@pytest.fixture
def httpx_instrumented():
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    instrumentor.instrument()
    yield
    instrumentor.uninstrument()


def _chat(server, stream: bool = False):
    import ollama

    result = ollama.Client(host=server.base_url).chat(model="llama3.1", messages=MESSAGES, stream=stream)
    return list(result) if stream else result


def test_httpx_instrumentor_alone_records_the_request(otel, httpx_instrumented, fake_server) -> None:
    _chat(fake_server)
    (span,) = otel.spans()
    assert span.name == "POST"
    assert A.GEN_AI_OPERATION_NAME not in span.attributes


@pytest.mark.parametrize("stream", [False, True])
def test_one_span_with_both(stream: bool, otel, instrument, httpx_instrumented, fake_server) -> None:
    instrument()
    _chat(fake_server, stream)
    (span,) = otel.spans()
    assert span.name == "chat llama3.1"
    assert span.attributes[A.GEN_AI_PROVIDER_NAME] == "ollama"


async def test_one_span_with_both_async_stream(otel, instrument, httpx_instrumented, fake_server) -> None:
    import ollama

    instrument()
    stream = await ollama.AsyncClient(host=fake_server.base_url).chat(
        model="llama3.1", messages=MESSAGES, stream=True
    )
    chunks = [chunk async for chunk in stream]
    assert chunks[-1].done
    (span,) = otel.spans()
    assert span.name == "chat llama3.1"
