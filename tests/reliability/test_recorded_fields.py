"""Fields that held-out recorded responses carry and the mappings dropped (#17)."""

from __future__ import annotations

import pytest
from google import genai
from google.genai import types

from otel_llm.instrumentation.google_genai import GoogleGenAIInstrumentor
from otel_llm.semconv import attributes as A

from ..wire_server import Reply, WireServer
from .provider_calls import bedrock_client

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


COHERE_R = {
    "response_id": "r-7",
    "text": "Spans are units of work.",
    "generation_id": "g-1",
    "finish_reason": "COMPLETE",
    "chat_history": [],
}
COHERE_COMMAND = {"id": "c-1", "generations": [{"id": "g", "text": "Spans.", "finish_reason": "COMPLETE"}]}
PROFILE = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6"


@pytest.mark.parametrize(
    ("model", "request_body", "response_body", "expected"),
    [
        (
            "cohere.command-r-v1:0",
            {"message": "What are spans?", "max_tokens": 50, "p": 0.9},
            COHERE_R,
            {
                A.GEN_AI_OPERATION_NAME: "text_completion",
                A.GEN_AI_RESPONSE_ID: "r-7",
                A.GEN_AI_RESPONSE_FINISH_REASONS: ("COMPLETE",),
                A.GEN_AI_REQUEST_MAX_TOKENS: 50,
                A.GEN_AI_REQUEST_TOP_P: 0.9,
            },
        ),
        (
            "cohere.command-text-v14",
            {"prompt": "What are spans?", "max_tokens": 20},
            COHERE_COMMAND,
            {A.GEN_AI_RESPONSE_ID: "c-1", A.GEN_AI_RESPONSE_FINISH_REASONS: ("COMPLETE",)},
        ),
        (
            PROFILE,
            {"inputText": "What are spans?", "dimensions": 256},
            {"embedding": [0.1] * 4, "inputTextTokenCount": 5},
            {A.GEN_AI_OPERATION_NAME: "embeddings", A.GEN_AI_USAGE_INPUT_TOKENS: 5},
        ),
        (
            PROFILE,
            {"texts": ["What are spans?"], "input_type": "search_query"},
            {"id": "e-1", "embeddings": [[0.1] * 4], "response_type": "embeddings_floats"},
            {A.GEN_AI_OPERATION_NAME: "embeddings"},
        ),
    ],
    ids=["cohere command-r", "cohere command", "profile titan embeddings", "profile cohere embeddings"],
)
def test_bedrock_invoke_bodies(otel, model, request_body, response_body, expected):
    """Cohere bodies were not decoded; an inference-profile ARN for embeddings was text_completion."""
    import json

    from otel_llm.instrumentation.bedrock import BedrockInstrumentor

    instrumentor = BedrockInstrumentor()
    instrumentor.instrument(capture_mode="span_only")
    try:
        with WireServer(lambda method, path, body: Reply(json_body=response_body)) as server:
            result = bedrock_client(server.base_url).invoke_model(
                modelId=model, body=json.dumps(request_body)
            )
            assert json.loads(result["body"].read()) == response_body  # the app reads the body as sent
    finally:
        instrumentor.uninstrument()
    (span,) = otel.spans()
    assert {key: span.attributes.get(key) for key in expected} == expected
    if "text" in response_body or "generations" in response_body:
        output = json.loads(span.attributes[A.GEN_AI_OUTPUT_MESSAGES])
        assert output[0]["parts"][0]["content"] in (COHERE_R["text"], "Spans.")


def afc_route(method, path, body):
    """The model asks for the app's tool, then answers once it has the tool's result."""
    answered = any("functionResponse" in part for c in body["contents"] for part in c.get("parts", ()))
    part = (
        {"text": "It is sunny."}
        if answered
        else {"functionCall": {"name": "weather", "args": {"city": "Oslo"}}}
    )
    return Reply(
        json_body={
            **GENERATED,
            "candidates": [{**GENERATED["candidates"][0], "content": {"role": "model", "parts": [part]}}],
        }
    )


@pytest.mark.parametrize("is_async", [False, True])
async def test_google_automatic_function_calling_runs_the_apps_tool_as_app_code(
    otel, client, instrument_openai, is_async
):
    """#10: the app's tool ran inside our suppression context: its own LLM and HTTP spans disappeared."""
    instrument_openai()

    def weather(city: str) -> str:
        """The weather in a city."""
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": f"Weather in {city}?"}]
        )
        return reply.choices[0].message.content

    instrumentor = GoogleGenAIInstrumentor()
    instrumentor.instrument()
    try:
        with WireServer(afc_route) as server:
            gemini = genai.Client(
                api_key="test-key", http_options=types.HttpOptions(base_url=server.base_url)
            )
            config = types.GenerateContentConfig(tools=[weather])
            models = gemini.aio.models if is_async else gemini.models
            response = models.generate_content(
                model="gemini-2.5-flash", contents="Weather in Oslo?", config=config
            )
            response = await response if is_async else response
    finally:
        instrumentor.uninstrument()
    assert response.text == "It is sunny."
    assert config.tools == [weather]  # the app's config is not changed
    spans = {span.name: span for span in otel.spans()}
    assert set(spans) == {"generate_content gemini-2.5-flash", "chat gpt-4o-mini"}
    assert (
        spans["chat gpt-4o-mini"].parent.span_id == spans["generate_content gemini-2.5-flash"].context.span_id
    )
