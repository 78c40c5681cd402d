"""The ollama SDK's quirks: the endpoint from the client's httpx base URL, positional ``model`` and
``messages``/``prompt``/``input``, and module-level functions bound to a default client."""

from __future__ import annotations

from typing import Any

from otel_llm.formats import ollama
from otel_llm.formats.ollama import CHAT_TEXTS, GENERATE_TEXTS
from otel_llm.instrumentation._endpoint import starter
from otel_llm.instrumentation._wrapping import Operation, positional_arguments
from otel_llm.semconv import attributes as A

_OP = A.GenAiOperationNameValues


def endpoint(instance: Any) -> tuple[str, Any]:
    return A.GenAiProviderNameValues.OLLAMA, getattr(getattr(instance, "_client", None), "base_url", None)


_EMBEDDINGS = starter(endpoint, _OP.EMBEDDINGS, ollama.embeddings_attributes)
_PROMPT = positional_arguments("model", "prompt")  # generate(model, prompt), also embeddings(model, prompt)
CHAT = Operation(
    starter(endpoint, _OP.CHAT, ollama.request_attributes, ollama.chat_content),
    ollama.on_chat_response,
    ollama.finish_chat_stream,
    arguments=positional_arguments("model", "messages"),
    texts=CHAT_TEXTS,
    refusal="ollama.chat",
)
GENERATE = Operation(
    starter(endpoint, _OP.TEXT_COMPLETION, ollama.request_attributes, ollama.generate_content),
    ollama.on_generate_response,
    ollama.finish_generate_stream,
    arguments=_PROMPT,
    texts=GENERATE_TEXTS,
    refusal="ollama.generate",
)
EMBED = Operation(
    _EMBEDDINGS, ollama.on_embeddings_response, arguments=positional_arguments("model", "input")
)
EMBEDDINGS = Operation(_EMBEDDINGS, ollama.on_embeddings_response, arguments=_PROMPT)
METHODS = {"chat": CHAT, "generate": GENERATE, "embed": EMBED, "embeddings": EMBEDDINGS}
