"""OpenAI instrumentation: chat completions (incl. ``parse``), responses and embeddings, sync and async.

Azure OpenAI clients are reported with ``gen_ai.provider.name = azure.ai.openai``.
"""

from __future__ import annotations

from collections.abc import Sequence

from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.instrumentation._wrapping import Operation, Patch
from otel_llm.instrumentation.openai import _chat, _embeddings, _responses
from otel_llm.telemetry.guarding import TextMapping

CHAT_TEXTS = TextMapping(
    _chat.input_texts,
    _chat.with_input_texts,
    _chat.output_texts,
    _chat.set_output_texts,
    _chat.chunk_texts,
    _chat.set_chunk_text,
)
CHAT = Operation(
    _chat.start,
    _chat.on_response,
    _chat.finish_stream,
    texts=CHAT_TEXTS,
    stream_window=_chat.stream_window,
    refusal="openai.chat",
)
RESPONSES = Operation(
    _responses.start,
    _responses.on_response,
    _responses.finish_stream,
    texts=_responses.TEXTS,
    stream_window=_responses.stream_window,
    refusal="openai.responses",
)
EMBEDDINGS = Operation(_embeddings.start, _embeddings.on_response)


def _both(module: str, sync_class: str, method: str, operation: Operation) -> tuple[Patch, Patch]:
    return (
        Patch(module, f"{sync_class}.{method}", operation),
        Patch(module, f"Async{sync_class}.{method}", operation, is_async=True),
    )


class OpenAIInstrumentor(GenAIInstrumentor):
    requirements = ("openai >= 1.0",)

    def patches(self) -> Sequence[Patch]:
        return (
            *_both("openai.resources.chat.completions", "Completions", "create", CHAT),
            *_both("openai.resources.chat.completions", "Completions", "parse", CHAT),
            *_both("openai.resources.beta.chat.completions", "Completions", "parse", CHAT),
            *_both("openai.resources.responses", "Responses", "create", RESPONSES),
            *_both("openai.resources.embeddings", "Embeddings", "create", EMBEDDINGS),
        )


__all__ = ["OpenAIInstrumentor"]
