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

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches


class LiteLLMInstrumentor(GenAIInstrumentor):
    """Patches LiteLLM when the application imports it, not before (the base instrumentor waits for
    each SDK's import): importing ``litellm`` takes seconds and fetches its price map from the network,
    which an app that merely has it installed (``opentelemetry-instrument``, ``otel_llm.instrument()``)
    must not pay for."""

    requirements = ("litellm >= 1.40",)

    def patches(self) -> Patches:
        from otel_llm.instrumentation._wrapping import sync_and_async
        from otel_llm.instrumentation.litellm._sdk import COMPLETION, EMBEDDING

        return (
            *sync_and_async("litellm", "completion", COMPLETION, async_method="acompletion"),
            *sync_and_async("litellm", "embedding", EMBEDDING, async_method="aembedding"),
        )


__all__ = ["LiteLLMInstrumentor"]
