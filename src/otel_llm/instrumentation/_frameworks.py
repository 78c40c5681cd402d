"""What the framework instrumentations share: is the provider SDK beneath instrumented?

When otel-llm instruments the provider SDK a framework calls, that SDK's CLIENT span is the one span of
the model call and the framework layer adds none; for every other SDK the framework layer emits it
(LangChain, LlamaIndex, the OpenAI Agents SDK without our OpenAI instrumentor, Pydantic AI).
"""

from __future__ import annotations

import sys

from otel_llm.instrumentation.registry import REGISTRY, Kind

_SDK_INSTRUMENTORS = {
    entry.name: (entry.module, entry.instrumentor) for entry in REGISTRY if entry.kind is Kind.PROVIDER
}


def sdk_instrumented(sdk: str | None) -> bool:
    """Whether otel-llm currently instruments the provider SDK ``sdk``, a provider's name in the registry
    (``openai``, ``anthropic``, ``google_genai``, ``bedrock``, ...)."""
    target = _SDK_INSTRUMENTORS.get(sdk or "")
    if target is None:
        return False
    module = sys.modules.get(target[0])  # never imported: never instrumented
    cls = getattr(module, target[1], None) if module is not None else None
    instance = cls.__dict__.get("_instance") if cls is not None else None
    return bool(instance is not None and instance.is_instrumented_by_opentelemetry)
