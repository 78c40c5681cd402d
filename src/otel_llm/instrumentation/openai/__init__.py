"""OpenAI instrumentation: chat completions (incl. ``parse``), responses and embeddings, sync and async.

Azure OpenAI clients are reported with ``gen_ai.provider.name = azure.ai.openai``.
"""

from __future__ import annotations

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches


class OpenAIInstrumentor(GenAIInstrumentor):
    requirements = ("openai >= 1.0",)

    def patches(self) -> Patches:
        from otel_llm.instrumentation._wrapping import sync_and_async
        from otel_llm.instrumentation.openai._sdk import CHAT, EMBEDDINGS, RESPONSES, helper_closing

        return (
            *sync_and_async("openai.resources.chat.completions", "Completions.create", CHAT),
            *sync_and_async("openai.resources.chat.completions", "Completions.parse", CHAT),
            *sync_and_async("openai.resources.beta.chat.completions", "Completions.parse", CHAT),
            *sync_and_async("openai.resources.responses", "Responses.create", RESPONSES),
            *sync_and_async("openai.resources.embeddings", "Embeddings.create", EMBEDDINGS),
            *helper_closing("openai.lib.streaming.chat._completions", "ChatCompletionStream"),
            *helper_closing("openai.lib.streaming.responses._responses", "ResponseStream"),
        )


__all__ = ["OpenAIInstrumentor"]
