"""The Cohere v2 ``embed`` and ``rerank`` format."""

from __future__ import annotations

from typing import Any

from otel_llm.formats.cohere_chat import read_usage
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.fields import get, given
from otel_llm.telemetry.invocation import Invocation


def embed_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    dimensions = kwargs.get("output_dimension")
    if given(dimensions):
        attributes[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimensions
    types = kwargs.get("embedding_types")
    if given(types):
        attributes[A.GEN_AI_REQUEST_ENCODING_FORMATS] = [str(t) for t in types]
    return attributes


def on_embed_response(invocation: Invocation, response: Any) -> None:
    invocation.response_id = get(response, "id")
    read_usage(invocation, get(response, "meta"))
    if A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT in invocation.start_attributes:
        return
    embeddings = get(response, "embeddings")
    by_type = embeddings.__dict__ if hasattr(embeddings, "__dict__") else embeddings
    for vectors in (by_type or {}).values():  # one list of vectors per requested type
        if vectors:
            invocation.extra_attributes[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = len(vectors[0])
            return


def on_rerank_response(invocation: Invocation, response: Any) -> None:
    invocation.response_id = get(response, "id")
