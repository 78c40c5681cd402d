"""Mistral AI instrumentation (``mistralai`` 1.x-3.x): chat complete/stream and embeddings, sync and async.

Mistral's chat API is OpenAI-shaped, so responses and stream chunks are read by the OpenAI chat
mapping; only the request parameters, the endpoint and the stream's event envelope differ. Guardrails
check and redact chat texts (``otel_llm.formats.mistral_chat``); embeddings inputs are not guarded.
"""

from __future__ import annotations

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches


class MistralInstrumentor(GenAIInstrumentor):
    requirements = ("mistralai >= 1.0",)

    def patches(self) -> Patches:
        from otel_llm.instrumentation.mistral._sdk import CHAT, CHAT_STREAM, EMBEDDINGS, SDK_SPANS, patches

        return (
            *patches("chat", "Chat.complete", CHAT),
            *patches("chat", "Chat.stream", CHAT_STREAM),
            *patches("embeddings", "Embeddings.create", EMBEDDINGS),
            *SDK_SPANS,
        )


__all__ = ["MistralInstrumentor"]
