"""Groq instrumentation: ``chat.completions.create`` (streamed or not, tools), sync and async.

Groq's API is OpenAI's chat-completions format, so requests, responses and stream chunks are read by
the OpenAI chat mapping; only the provider (``groq``), the response metadata (no ``openai.*``
attributes) and the usage of streams (in ``x_groq.usage`` of the last chunk) are Groq's. Guardrails
read and redact texts through the OpenAI chat text mapping too.
"""

from __future__ import annotations

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches


class GroqInstrumentor(GenAIInstrumentor):
    requirements = ("groq >= 0.9",)

    def patches(self) -> Patches:
        from otel_llm.instrumentation._wrapping import sync_and_async
        from otel_llm.instrumentation.groq._sdk import CHAT

        return sync_and_async("groq.resources.chat.completions", "Completions.create", CHAT)


__all__ = ["GroqInstrumentor"]
