"""The Cohere SDK's quirks: the v2 clients' endpoint (``_client_wrapper.get_base_url()``), streams by
method (``chat_stream``) rather than by argument, and the operations of its methods."""

from __future__ import annotations

from typing import Any

from otel_llm.formats import cohere_chat, cohere_embed
from otel_llm.formats.cohere_chat import TEXTS
from otel_llm.instrumentation._endpoint import starter
from otel_llm.instrumentation._wrapping import Operation
from otel_llm.semconv import attributes as A

_OP = A.GenAiOperationNameValues


def endpoint(instance: Any) -> tuple[str, Any]:
    wrapper = getattr(instance, "_client_wrapper", None)
    return A.GenAiProviderNameValues.COHERE, wrapper.get_base_url() if wrapper is not None else None


def _chat(stream: bool) -> Any:
    return starter(
        endpoint, _OP.CHAT, cohere_chat.request_attributes, cohere_chat.input_content, stream=stream
    )


CHAT = Operation(_chat(False), cohere_chat.on_response, texts=TEXTS, refusal="cohere.chat")
CHAT_STREAM = Operation(
    _chat(True), cohere_chat.on_response, cohere_chat.finish_stream, texts=TEXTS, refusal="cohere.chat"
)
EMBED = Operation(
    starter(endpoint, _OP.EMBEDDINGS, cohere_embed.embed_attributes, stream=False),
    cohere_embed.on_embed_response,
)
RERANK = Operation(
    starter(endpoint, _OP.RERANK, lambda kwargs: {}, stream=False), cohere_embed.on_rerank_response
)
