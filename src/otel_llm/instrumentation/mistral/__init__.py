"""Mistral AI instrumentation (``mistralai`` 1.x-3.x): chat complete/stream and embeddings, sync and async.

Mistral's chat API is OpenAI-shaped, so responses and stream chunks are read by the OpenAI chat
mapping; only the request parameters, the endpoint and the stream's event envelope differ. Guardrails
check and redact chat texts (``_texts``); embeddings inputs are not guarded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.instrumentation._wrapping import Operation, Patch
from otel_llm.instrumentation.mistral import _mapping
from otel_llm.instrumentation.mistral._texts import CHAT_TEXTS

CHAT = Operation(_mapping.start_chat, _mapping.on_chat_response, texts=CHAT_TEXTS)
CHAT_STREAM = Operation(
    _mapping.start_chat_stream, _mapping.on_chat_response, _mapping.finish_chat_stream, texts=CHAT_TEXTS
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


def _request_without_span(args: tuple, kwargs: dict[str, Any]) -> tuple[Any, None]:
    """``get_traced_request_and_span(tracing_enabled, tracer, span, operation_id, request)``, untraced."""
    return kwargs["request"] if "request" in kwargs else args[4], None


# The SDK's tracing hook (on when MISTRAL_SDK_TELEMETRY is set, or configured) starts its own GenAI span,
# with gen_ai.* usage: inside ours it would count the call's tokens twice.
_SDK_SPANS = [
    Patch(f"{hooks}.tracing", "get_traced_request_and_span", None, instead_inside_ours=_request_without_span)
    for hooks in ("mistralai.client._hooks", "mistralai._hooks")
]


class MistralInstrumentor(GenAIInstrumentor):
    requirements = ("mistralai >= 1.0",)

    def patches(self) -> Sequence[Patch]:
        return (
            *_patches("chat", "Chat", "complete", CHAT),
            *_patches("chat", "Chat", "stream", CHAT_STREAM),
            *_patches("embeddings", "Embeddings", "create", EMBEDDINGS),
            *_SDK_SPANS,
        )


__all__ = ["MistralInstrumentor"]
