"""The SDK's Vertex AI client: provider ``gcp.vertex_ai`` and the client's own endpoint, through the real
``AnthropicVertex`` talking to a loopback server (Vertex's ``:rawPredict`` path; nothing is recorded)."""

from __future__ import annotations

import pytest

import anthropic
from otel_llm.semconv import attributes as A

from ..wire_server import Reply, WireServer

MODEL = "claude-3-5-haiku@20241022"
MESSAGE = {
    "id": "msg_vrtx_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-3-5-haiku-20241022",
    "content": [{"type": "text", "text": "Hi"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 5, "output_tokens": 1, "cache_read_input_tokens": 2},
}


@pytest.fixture(scope="module")
def server():
    with WireServer(lambda method, path, body: Reply(json_body=MESSAGE)) as running:
        yield running


@pytest.mark.covers(provider="gcp.vertex_ai", operation="chat", mode="sync", feature="anthropic_sdk")
def test_vertex_client(otel, server, instrument_anthropic):
    instrument_anthropic()
    client = anthropic.AnthropicVertex(
        region="us-east5",
        project_id="demo",
        access_token="ya29.test",
        base_url=server.base_url,
        max_retries=0,
    )
    client.messages.create(model=MODEL, max_tokens=16, messages=[{"role": "user", "content": "Hello"}])
    assert (
        server.requests[-1]["path"]
        == f"/projects/demo/locations/us-east5/publishers/anthropic/models/{MODEL}:rawPredict"
    )
    (span,) = otel.spans()
    attributes = dict(span.attributes)
    attributes.pop(A.OTEL_LLM_USAGE_COST_USD)
    attributes.pop(A.OTEL_LLM_PRICE_TABLE_VERSION)
    assert attributes == {
        A.GEN_AI_OPERATION_NAME: "chat",
        A.GEN_AI_PROVIDER_NAME: "gcp.vertex_ai",
        A.GEN_AI_REQUEST_MODEL: MODEL,
        A.SERVER_ADDRESS: "127.0.0.1",
        A.SERVER_PORT: int(server.base_url.rsplit(":", 1)[1]),
        A.GEN_AI_REQUEST_MAX_TOKENS: 16,
        A.GEN_AI_RESPONSE_MODEL: "claude-3-5-haiku-20241022",
        A.GEN_AI_RESPONSE_ID: "msg_vrtx_1",
        A.GEN_AI_RESPONSE_FINISH_REASONS: ("end_turn",),
        A.GEN_AI_USAGE_INPUT_TOKENS: 7,
        A.GEN_AI_USAGE_OUTPUT_TOKENS: 1,
        A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: 2,
    }
