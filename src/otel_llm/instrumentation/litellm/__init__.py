"""LiteLLM instrumentation: ``litellm.completion`` / ``acompletion`` (streamed or not) and
``embedding`` / ``aembedding``.

**Provider name.** LiteLLM resolves each model string to the provider it calls
(``openai/gpt-4o-mini`` -> ``openai``); that provider's registry value is ``gen_ai.provider.name``
(``openai``, ``anthropic``, ``aws.bedrock``, ``gcp.vertex_ai``, ...), so LiteLLM traffic aggregates
with direct SDK traffic. Only a provider without a registry value is reported as ``litellm``.

**One span per model call.** The LiteLLM span is the one recorded: while it is current, the core
suppresses the nested span of the provider SDK LiteLLM calls (e.g. our OpenAI instrumentor), and HTTP
client spans. The outer span is kept because it is the call the application made (its model string,
its latency including LiteLLM's own work, its stream as the app reads it).

**Guardrails** check and redact completions through the OpenAI chat text mapping (LiteLLM's messages,
responses and chunks are OpenAI-shaped), once, on the LiteLLM call; embedding inputs are not guarded.
"""

from __future__ import annotations

from collections.abc import Sequence

from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.instrumentation._wrapping import Operation, Patch, positional_arguments
from otel_llm.instrumentation.litellm import _mapping as m
from otel_llm.instrumentation.openai import CHAT_TEXTS

COMPLETION = Operation(
    m.start_completion,
    m.on_completion_response,
    m.finish_completion_stream,
    arguments=positional_arguments("model", "messages"),
    texts=CHAT_TEXTS,
    refusal="litellm.completion",
)
EMBEDDING = Operation(
    m.start_embedding, m.on_embedding_response, arguments=positional_arguments("model", "input")
)


class LiteLLMInstrumentor(GenAIInstrumentor):
    """Patches LiteLLM when the application imports it, not before (the base instrumentor waits for
    each SDK's import): importing ``litellm`` takes seconds and fetches its price map from the network,
    which an app that merely has it installed (``opentelemetry-instrument``, ``otel_llm.instrument()``)
    must not pay for."""

    requirements = ("litellm >= 1.40",)

    def patches(self) -> Sequence[Patch]:
        return (
            Patch("litellm", "completion", COMPLETION),
            Patch("litellm", "acompletion", COMPLETION, is_async=True),
            Patch("litellm", "embedding", EMBEDDING),
            Patch("litellm", "aembedding", EMBEDDING, is_async=True),
        )


__all__ = ["LiteLLMInstrumentor"]
