"""The mistralai SDK's quirks: the endpoint from its SDK configuration, ``chat.stream()`` streaming
without a ``stream`` argument, ``_async`` twins of each method, and 1.x and 2.x module paths."""

from __future__ import annotations

from typing import Any

from otel_llm.formats import mistral_chat, openai_chat
from otel_llm.formats.mistral_chat import CHAT_TEXTS
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
    refusal="mistral.chat",
)
CHAT_STREAM = Operation(
    starter(endpoint, _OP.CHAT, mistral_chat.chat_request_attributes, openai_chat.input_content, stream=True),
    mistral_chat.on_chat_response,
    mistral_chat.finish_chat_stream,
    texts=CHAT_TEXTS,
    refusal="mistral.chat",
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


def _request_without_span(args: tuple, kwargs: dict[str, Any]) -> tuple[Any, None]:
    """``get_traced_request_and_span(tracing_enabled, tracer, span, operation_id, request)``, untraced."""
    return kwargs["request"] if "request" in kwargs else args[4], None


# The SDK's tracing hook (on when MISTRAL_SDK_TELEMETRY is set, or configured) starts its own GenAI span,
# with gen_ai.* usage: inside ours it would count the call's tokens twice.
SDK_SPANS = [
    Patch(f"{hooks}.tracing", "get_traced_request_and_span", None, instead_inside_ours=_request_without_span)
    for hooks in ("mistralai.client._hooks", "mistralai._hooks")
]
