"""LiteLLM calls the (instrumented) OpenAI SDK: the user sees one span per model call, LiteLLM's.

LiteLLM sends embeddings with an ``encoding_format`` through ``embeddings.with_raw_response.create``,
which our OpenAI instrumentor traces on its own; chat completions go through the client's ``post``
(no SDK method to trace). With both instrumentors active, each call is exactly one span: LiteLLM's.
Each test uses its own API key: LiteLLM caches one OpenAI client per key, and that client's
``with_raw_response`` binds ``create`` as it was when first used.
"""

from __future__ import annotations

import pytest

from otel_llm.semconv import attributes as A
from tests.semconv_modes import current_mode, duration_metrics

MESSAGES = [{"role": "user", "content": "What is a span?"}]


def _embed(server, key: str):
    import litellm

    return litellm.embedding(
        model="openai/text-embedding-3-small",
        input=["one"],
        encoding_format="float",
        api_base=server.base_url,
        api_key=key,
    )


def _only_duration_point(otel) -> None:
    (span,) = otel.spans()
    for name in duration_metrics(current_mode(), span.attributes[A.GEN_AI_OPERATION_NAME]):
        assert sum(point.count for point in otel.metric_points()[name]) == 1


def test_openai_instrumentor_alone_traces_the_inner_call(otel, instrument_openai, fake_server) -> None:
    """LiteLLM calls ``with_raw_response``: the inner span completes from the response LiteLLM parses."""
    instrument_openai()
    _embed(fake_server, "sk-openai-alone")
    (span,) = otel.spans()
    assert span.name == "embeddings text-embedding-3-small"
    assert span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 1
    assert span.attributes[A.GEN_AI_RESPONSE_MODEL] == "text-embedding-3-small"


def test_one_embedding_span_with_both_instrumentors(otel, instrument, instrument_openai, fake_server) -> None:
    instrument_openai()
    instrument()
    _embed(fake_server, "sk-both")
    (span,) = otel.spans()  # the inner OpenAI span was suppressed
    assert span.name == "embeddings text-embedding-3-small"
    assert span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 1  # read from LiteLLM's parsed response
    assert span.attributes[A.GEN_AI_RESPONSE_MODEL] == "text-embedding-3-small"
    _only_duration_point(otel)


async def test_one_async_embedding_span(otel, instrument, instrument_openai, fake_server) -> None:
    import litellm

    instrument_openai()
    instrument()
    await litellm.aembedding(
        model="openai/text-embedding-3-small",
        input=["one"],
        encoding_format="float",
        api_base=fake_server.base_url,
        api_key="sk-both-async",
    )
    (span,) = otel.spans()
    assert span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 1


@pytest.mark.parametrize("stream", [False, True])
def test_one_chat_span_with_both_instrumentors(
    stream: bool, otel, instrument, instrument_openai, fake_server
) -> None:
    import litellm

    instrument_openai()
    instrument()
    result = litellm.completion(
        model="openai/gpt-4o-mini",
        messages=MESSAGES,
        stream=stream,
        api_base=fake_server.base_url,
        api_key="sk-test",
    )
    if stream:
        list(result)
    (span,) = otel.spans()
    assert span.name == "chat gpt-4o-mini"
    assert span.attributes.get(A.GEN_AI_REQUEST_STREAM, False) is stream
    _only_duration_point(otel)
