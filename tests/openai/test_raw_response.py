"""``with_raw_response``, as LangChain calls OpenAI: the span ends with the parsed body the app gets."""

from __future__ import annotations

from otel_llm.semconv import attributes as A


def test_raw_chat_response_is_read_and_parse_returns_the_same_object(otel, instrument_openai, client) -> None:
    instrument_openai()
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    parsed = raw.parse()
    assert raw.parse() is parsed
    (span,) = otel.spans()
    assert span.attributes[A.GEN_AI_RESPONSE_ID] == parsed.id
    assert span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == parsed.usage.prompt_tokens
    assert span.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] == parsed.usage.completion_tokens
    assert span.attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)


def test_raw_embeddings_response_is_read(otel, instrument_openai, client) -> None:
    instrument_openai()
    raw = client.embeddings.with_raw_response.create(model="text-embedding-3-small", input="hello")
    assert otel.spans() == []  # the span ends with what the app parses the body into
    parsed = raw.parse()
    (span,) = otel.spans()
    assert span.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == parsed.usage.prompt_tokens
