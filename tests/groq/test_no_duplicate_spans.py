"""One model call, one span: the httpx instrumentation records no HTTP span inside ours
(docs/providers.md, "No duplicate spans")."""

from __future__ import annotations

import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from .fake_groq import MODEL

MESSAGES = [{"role": "user", "content": "Hello"}]


@pytest.fixture
def http_instrumented():
    instrumentor = HTTPXClientInstrumentor()
    instrumentor.instrument()
    yield
    instrumentor.uninstrument()


@pytest.mark.covers(provider="groq", operation="chat", mode="sync", feature="no_duplicate_spans")
def test_one_span_per_call(otel, client, http_instrumented, instrument):
    instrument()
    client.chat.completions.create(model=MODEL, messages=MESSAGES)
    (span,) = otel.spans()
    assert (span.name, span.instrumentation_scope.name) == (f"chat {MODEL}", "otel_llm")


@pytest.mark.covers(provider="groq", operation="chat", mode="stream", feature="no_duplicate_spans")
def test_one_span_per_stream(otel, client, http_instrumented, instrument):
    instrument()
    list(client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))
    (span,) = otel.spans()
    assert span.name == f"chat {MODEL}"


def test_without_otel_llm_the_http_span_is_there(otel, client, http_instrumented):
    """The control: uninstrumented, the same call makes one HTTP client span."""
    client.chat.completions.create(model=MODEL, messages=MESSAGES)
    assert [span.name for span in otel.spans()] == ["POST"]
