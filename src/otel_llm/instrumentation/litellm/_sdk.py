"""LiteLLM's quirks: the provider and endpoint it resolves a model string to, positional ``model`` and
``messages``; its requests and responses are the OpenAI chat and embeddings formats."""

from __future__ import annotations

from typing import Any

from otel_llm.formats import openai_chat, openai_embeddings
from otel_llm.instrumentation._endpoint import host_and_port
from otel_llm.instrumentation._wrapping import Operation, positional_arguments
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation

_P = A.GenAiProviderNameValues
# LiteLLM provider ids -> gen_ai.provider.name registry values
PROVIDERS = {
    "openai": _P.OPENAI,
    "text-completion-openai": _P.OPENAI,
    "azure": _P.AZURE_AI_OPENAI,
    "azure_ai": _P.AZURE_AI_INFERENCE,
    "anthropic": _P.ANTHROPIC,
    "bedrock": _P.AWS_BEDROCK,
    "vertex_ai": _P.GCP_VERTEX_AI,
    "vertex_ai_beta": _P.GCP_VERTEX_AI,
    "gemini": _P.GCP_GEMINI,
    "cohere": _P.COHERE,
    "cohere_chat": _P.COHERE,
    "mistral": _P.MISTRAL_AI,
    "groq": _P.GROQ,
    "deepseek": _P.DEEPSEEK,
    "xai": _P.X_AI,
    "perplexity": _P.PERPLEXITY,
    "watsonx": _P.IBM_WATSONX_AI,
    "ollama": _P.OLLAMA,
    "ollama_chat": _P.OLLAMA,
    "moonshot": _P.MOONSHOT_AI,
}


def _resolve(kwargs: dict[str, Any]) -> tuple[str, str | None, str | None, int | None]:
    """Provider name, the model id LiteLLM sends, and the endpoint (when known)."""
    import litellm

    model = kwargs.get("model")
    api_base = kwargs.get("api_base") or kwargs.get("base_url")
    try:
        model_id, provider, _, resolved_base = litellm.get_llm_provider(
            model=model or "", custom_llm_provider=kwargs.get("custom_llm_provider"), api_base=api_base
        )
    except Exception:  # an unknown provider: LiteLLM itself will reject the call
        return _P.LITELLM, model, None, None
    return PROVIDERS.get(provider, _P.LITELLM), model_id, *host_and_port(api_base or resolved_base)


def _start(
    telemetry: GenAITelemetry, kwargs: dict[str, Any], operation: str, attributes: dict[str, Any]
) -> Invocation | None:
    provider, model, host, port = _resolve(kwargs)
    if provider != _P.OPENAI:
        attributes.pop(A.OPENAI_API_TYPE, None)
    return telemetry.start(operation, provider, model, host, port, attributes, kwargs.get("stream") is True)


def start_completion(telemetry: GenAITelemetry, instance: Any, kwargs: dict[str, Any]) -> Invocation | None:
    attributes = openai_chat.request_attributes(kwargs)
    invocation = _start(telemetry, kwargs, A.GenAiOperationNameValues.CHAT, attributes)
    if invocation is not None and invocation.capture:
        invocation.input_content = openai_chat.input_content(kwargs)
    return invocation


def start_embedding(telemetry: GenAITelemetry, instance: Any, kwargs: dict[str, Any]) -> Invocation | None:
    attributes = openai_embeddings.request_attributes(kwargs)
    return _start(telemetry, kwargs, A.GenAiOperationNameValues.EMBEDDINGS, attributes)


COMPLETION = Operation(
    start_completion,
    openai_chat.on_response,
    openai_chat.finish_stream,
    arguments=positional_arguments("model", "messages"),
    texts=openai_chat.TEXTS,
    refusal="litellm.completion",
)
EMBEDDING = Operation(
    start_embedding, openai_embeddings.on_response, arguments=positional_arguments("model", "input")
)
