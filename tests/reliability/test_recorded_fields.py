"""Fields that held-out recorded responses carry and the mappings dropped (#17)."""

from __future__ import annotations

import pytest
from google import genai
from google.genai import types

from otel_llm.instrumentation.google_genai import GoogleGenAIInstrumentor
from otel_llm.semconv import attributes as A

from ..wire_server import Reply, WireServer

GENERATED = {
    "candidates": [
        {"content": {"role": "model", "parts": [{"text": "Hi"}]}, "finishReason": "STOP", "index": 0}
    ],
    "modelVersion": "gemini-2.5-flash",
    "responseId": "r-1",
}


def gemini_route(method, path, body):
    if path.split("?")[0].endswith(":batchEmbedContents"):
        return Reply(
            json_body={"embeddings": [{"values": [0.1, 0.2]}], "usageMetadata": {"promptTokenCount": 5}}
        )
    # usage without promptTokenCount, as some recorded responses have it
    return Reply(
        json_body={**GENERATED, "usageMetadata": {"candidatesTokenCount": 3, "thoughtsTokenCount": 2}}
    )


@pytest.fixture
def gemini(otel):
    instrumentor = GoogleGenAIInstrumentor()
    instrumentor.instrument()
    with WireServer(gemini_route) as server:
        yield genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=server.base_url))
    instrumentor.uninstrument()


def test_google_embed_content_usage_is_read(otel, gemini):
    gemini.models.embed_content(model="gemini-embedding-001", contents="hello")
    (span,) = otel.spans()
    assert span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 5


def test_google_output_tokens_are_kept_without_a_prompt_count(otel, gemini):
    gemini.models.generate_content(model="gemini-2.5-flash", contents="hello")
    (span,) = otel.spans()
    assert span.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] == 5  # candidates and thoughts
    assert span.attributes[A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] == 2
    assert A.GEN_AI_USAGE_INPUT_TOKENS not in span.attributes


@pytest.mark.parametrize("stream", [False, True])
def test_mistral_sdk_span_is_not_recorded_beside_ours(otel, monkeypatch, stream):
    """mistralai traces itself when its telemetry is on, with gen_ai.* usage: tokens were counted twice."""
    from mistralai.client import Mistral

    from otel_llm.instrumentation.mistral import MistralInstrumentor

    from ..mistral.fake_mistral import route

    monkeypatch.setenv("MISTRAL_SDK_TELEMETRY", "global")
    instrumentor = MistralInstrumentor()
    instrumentor.instrument()
    try:
        with WireServer(route) as server:
            client = Mistral(api_key="test-key", server_url=server.base_url)
            messages = [{"role": "user", "content": "hi"}]
            if stream:
                list(client.chat.stream(model="mistral-small-latest", messages=messages))
            else:
                client.chat.complete(model="mistral-small-latest", messages=messages)
    finally:
        instrumentor.uninstrument()
    assert [s.instrumentation_scope.name for s in otel.spans()] == ["otel_llm"]
