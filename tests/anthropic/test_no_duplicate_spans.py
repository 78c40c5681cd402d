"""One model call, one span: inside our span neither the Anthropic SDK's own call span nor the httpx2
instrumentation's HTTP span is started (docs/providers.md, "No duplicate spans")."""

from __future__ import annotations

import pytest
from opentelemetry.instrumentation.httpx import HTTPX2ClientInstrumentor

import anthropic
from otel_llm.semconv import attributes as A

from ..wire_server import Reply, WireServer

MODEL = "claude-3-5-haiku-20241022"
MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": MODEL,
    "content": [{"type": "text", "text": "Hi"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 5, "output_tokens": 1},
}


@pytest.fixture(scope="module")
def server():
    with WireServer(lambda method, path, body: Reply(json_body=MESSAGE)) as running:
        yield running


@pytest.fixture
def http_instrumented():
    instrumentor = HTTPX2ClientInstrumentor()
    instrumentor.instrument()
    yield
    instrumentor.uninstrument()


def _call(server) -> None:
    client = anthropic.Anthropic(api_key="sk-ant-test", base_url=server.base_url, max_retries=0)
    client.messages.create(model=MODEL, max_tokens=16, messages=[{"role": "user", "content": "Hello"}])


@pytest.mark.covers(provider="anthropic", operation="chat", mode="sync", feature="no_duplicate_spans")
def test_one_span_per_call_with_sdk_and_http_spans_enabled(
    otel, server, http_instrumented, instrument_anthropic
):
    instrument_anthropic()
    _call(server)
    (span,) = otel.spans()
    assert span.name == f"chat {MODEL}"
    assert span.instrumentation_scope.name == "otel_llm"
    assert span.attributes[A.GEN_AI_RESPONSE_ID] == "msg_1"


@pytest.mark.no_conformance  # the SDK's own span is not ours to hold to the registry
def test_without_otel_llm_the_sdk_and_http_spans_are_there(otel, server, http_instrumented):
    """The control: the same call, uninstrumented, makes the SDK's span and the HTTP span."""
    _call(server)
    names = sorted(span.name for span in otel.spans())
    assert names == ["POST", "anthropic.messages.create"]
