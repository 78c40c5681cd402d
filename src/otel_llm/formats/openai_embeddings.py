"""The OpenAI embeddings format (also LiteLLM's and Mistral's responses)."""

from __future__ import annotations

from typing import Any

from otel_llm.semconv import attributes as A
from otel_llm.telemetry.fields import get, given
from otel_llm.telemetry.invocation import Invocation


def request_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    encoding_format = kwargs.get("encoding_format")
    if given(encoding_format):
        attributes[A.GEN_AI_REQUEST_ENCODING_FORMATS] = [encoding_format]
    dimensions = kwargs.get("dimensions")
    if given(dimensions):
        attributes[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimensions
    return attributes


def on_response(invocation: Invocation, response: Any) -> None:
    data = get(response, "data")
    if data is None:  # a raw/legacy response wrapper: nothing parsed to read
        return
    invocation.response_model = get(response, "model")
    usage = get(response, "usage")
    if usage is not None:
        invocation.input_tokens = get(usage, "prompt_tokens")
    if data and A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT not in invocation.start_attributes:
        vector = get(data[0], "embedding")
        if isinstance(vector, list):
            invocation.extra_attributes[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = len(vector)
        elif isinstance(vector, str):  # base64 of little-endian float32 values, as requested
            padding = vector[-2:].count("=")
            invocation.extra_attributes[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = (
                len(vector) * 3 // 4 - padding
            ) // 4
