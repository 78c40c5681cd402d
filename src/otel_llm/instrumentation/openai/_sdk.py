"""The OpenAI SDK's quirks: the endpoint and provider (Azure or OpenAI) from the client, and the
operations of its resources. Nothing here imports the SDK: loading the instrumentor must not import
``openai``."""

from __future__ import annotations

from typing import Any

from otel_llm.formats import openai_chat, openai_embeddings, openai_responses
from otel_llm.instrumentation._endpoint import starter
from otel_llm.instrumentation._wrapping import Operation, Patch
from otel_llm.semconv import attributes as A

_AZURE_CLIENTS = ("AzureOpenAI", "AsyncAzureOpenAI")
_OP = A.GenAiOperationNameValues


def endpoint(instance: Any) -> tuple[str, Any]:
    client = getattr(instance, "_client", None)
    # The SDK's base_url property returns its _base_url; openai 3.x's runs an import statement on each
    # access, which costs more than the rest of the start. Older and other clients: the property.
    url = getattr(client, "_base_url", None) or getattr(client, "base_url", None)
    if type(client).__name__ in _AZURE_CLIENTS:
        return A.GenAiProviderNameValues.AZURE_AI_OPENAI, url
    return A.GenAiProviderNameValues.OPENAI, url


CHAT = Operation(
    starter(endpoint, _OP.CHAT, openai_chat.request_attributes, openai_chat.input_content),
    openai_chat.on_response,
    openai_chat.finish_stream,
    texts=openai_chat.TEXTS,
    stream_window=openai_chat.stream_window,
    refusal="openai.chat",
)
RESPONSES = Operation(
    starter(endpoint, _OP.CHAT, openai_responses.request_attributes, openai_responses.input_content),
    openai_responses.on_response,
    openai_responses.finish_stream,
    texts=openai_responses.TEXTS,
    stream_window=openai_responses.stream_window,
    refusal="openai.responses",
)
EMBEDDINGS = Operation(
    starter(endpoint, _OP.EMBEDDINGS, openai_embeddings.request_attributes), openai_embeddings.on_response
)


def helper_closing(module: str, stream_class: str) -> tuple[Patch, ...]:
    """The ``stream()`` helpers read our proxy of ``create``'s stream but close only its HTTP response:
    their ``close`` and their managers' exits end the proxy too (see ``Patch.closes_stream``)."""
    return tuple(
        Patch(
            module,
            f"{prefix}{stream_class}{suffix}",
            None,
            is_async=bool(prefix),
            closes_stream="_raw_stream",
        )
        for prefix in ("", "Async")
        for suffix in (".close", "Manager.__aexit__" if prefix else "Manager.__exit__")
    )
