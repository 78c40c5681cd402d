"""The mistralai SDK's quirks: the endpoint from its SDK configuration, ``chat.stream()`` streaming
without a ``stream`` argument, ``_async`` twins of each method, and 1.x and 2.x module paths."""

from __future__ import annotations

from typing import Any

from otel_llm.formats import mistral_chat, openai_chat
from otel_llm.formats.mistral_chat_texts import CHAT_TEXTS
from otel_llm.instrumentation._endpoint import starter
from otel_llm.instrumentation._wrapping import Operation, Patch, sync_and_async
from otel_llm.semconv import attributes as A

# mistralai 2.x+ keeps the SDK under mistralai.client; 1.x at the top level.
MODULES = ("mistralai.client", "mistralai")
_OP = A.GenAiOperationNameValues


def endpoint(instance: Any) -> tuple[str, Any]:
    configuration = getattr(instance, "sdk_configuration", None)
    base_url = configuration.get_server_details()[0] if configuration is not None else None
    return A.GenAiProviderNameValues.MISTRAL_AI, base_url


CHAT = Operation(
    starter(endpoint, _OP.CHAT, mistral_chat.chat_request_attributes, openai_chat.input_content),
    mistral_chat.on_chat_response,
    texts=CHAT_TEXTS,
)
CHAT_STREAM = Operation(
    starter(endpoint, _OP.CHAT, mistral_chat.chat_request_attributes, openai_chat.input_content, stream=True),
    mistral_chat.on_chat_response,
    mistral_chat.finish_chat_stream,
    texts=CHAT_TEXTS,
)
EMBEDDINGS = Operation(
    starter(endpoint, _OP.EMBEDDINGS, mistral_chat.embeddings_attributes), mistral_chat.on_embeddings_response
)


def patches(resource: str, method: str, operation: Operation) -> list[Patch]:
    """``method`` (``"Class.name"``) and its ``name_async`` twin, in each module layout."""
    return [
        patch
        for package in MODULES
        for patch in sync_and_async(
            f"{package}.{resource}", method, operation, async_method=f"{method}_async"
        )
    ]
