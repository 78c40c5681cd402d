"""What the framework instrumentations (LangChain, LlamaIndex) share: is the SDK beneath instrumented?

When otel-llm instruments the provider SDK a framework calls, that SDK's CLIENT span is the one span of
the model call and the framework layer adds none; for every other SDK the framework layer emits it.
"""

from __future__ import annotations

import sys

_SDK_INSTRUMENTORS = {
    "openai": ("otel_llm.instrumentation.openai", "OpenAIInstrumentor"),
    "anthropic": ("otel_llm.instrumentation.anthropic", "AnthropicInstrumentor"),
    "groq": ("otel_llm.instrumentation.groq", "GroqInstrumentor"),
    "ollama": ("otel_llm.instrumentation.ollama", "OllamaInstrumentor"),
}


def sdk_instrumented(sdk: str | None) -> bool:
    """Whether otel-llm currently instruments ``sdk`` (``openai``, ``anthropic``, ``groq``, ``ollama``)."""
    target = _SDK_INSTRUMENTORS.get(sdk or "")
    if target is None:
        return False
    module = sys.modules.get(target[0])  # never imported: never instrumented
    cls = getattr(module, target[1], None) if module is not None else None
    instance = cls.__dict__.get("_instance") if cls is not None else None
    return bool(instance is not None and instance.is_instrumented_by_opentelemetry)
