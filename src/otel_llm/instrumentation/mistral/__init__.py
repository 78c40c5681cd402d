"""Mistral AI instrumentation (``mistralai`` 1.x-3.x): chat complete/stream and embeddings, sync and async.

Mistral's chat API is OpenAI-shaped, so responses and stream chunks are read by the OpenAI chat
mapping; only the request parameters, the endpoint and the stream's event envelope differ. Guardrails
check and redact chat texts (``_texts``); embeddings inputs are not guarded.
"""

from __future__ import annotations

from collections.abc import Sequence

from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.instrumentation._wrapping import Operation, Patch
from otel_llm.instrumentation.mistral import _mapping
from otel_llm.instrumentation.mistral._texts import CHAT_TEXTS

CHAT = Operation(_mapping.start_chat, _mapping.on_chat_response, texts=CHAT_TEXTS, refusal="mistral.chat")
CHAT_STREAM = Operation(
    _mapping.start_chat_stream,
    _mapping.on_chat_response,
    _mapping.finish_chat_stream,
    texts=CHAT_TEXTS,
    refusal="mistral.chat",
)
EMBEDDINGS = Operation(_mapping.start_embeddings, _mapping.on_embeddings_response)

# mistralai 2.x+ keeps the SDK under mistralai.client; 1.x at the top level.
_MODULES = ("mistralai.client", "mistralai")


def _patches(resource: str, cls: str, method: str, operation: Operation) -> list[Patch]:
    return [
        patch
        for package in _MODULES
        for patch in (
            Patch(f"{package}.{resource}", f"{cls}.{method}", operation),
            Patch(f"{package}.{resource}", f"{cls}.{method}_async", operation, is_async=True),
        )
    ]


class MistralInstrumentor(GenAIInstrumentor):
    requirements = ("mistralai >= 1.0",)

    def patches(self) -> Sequence[Patch]:
        return (
            *_patches("chat", "Chat", "complete", CHAT),
            *_patches("chat", "Chat", "stream", CHAT_STREAM),
            *_patches("embeddings", "Embeddings", "create", EMBEDDINGS),
        )


__all__ = ["MistralInstrumentor"]
