"""Groq instrumentation: ``chat.completions.create`` (streamed or not, tools), sync and async.

Groq's API is OpenAI's chat-completions format, so requests, responses and stream chunks are read by
the OpenAI chat mapping; only the provider (``groq``), the response metadata (no ``openai.*``
attributes) and the usage of streams (in ``x_groq.usage`` of the last chunk) are Groq's. Guardrails
read and redact texts through the OpenAI chat text mapping too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.instrumentation._endpoint import start_at
from otel_llm.instrumentation._fields import get
from otel_llm.instrumentation._wrapping import Operation, Patch
from otel_llm.instrumentation.openai import CHAT_TEXTS, _chat, _common
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation


def start(telemetry: GenAITelemetry, instance: Any, kwargs: dict[str, Any]) -> Invocation | None:
    invocation = start_at(
        telemetry,
        getattr(getattr(instance, "_client", None), "base_url", None),
        A.GenAiOperationNameValues.CHAT,
        A.GenAiProviderNameValues.GROQ,
        kwargs.get("model"),
        _chat.compatible_request_attributes(kwargs),
        kwargs.get("stream") is True,
    )
    if invocation is not None and invocation.capture:
        invocation.input_content = _chat.input_content(kwargs)
    return invocation


def read_meta(invocation: Invocation, response: Any) -> None:
    invocation.response_id = get(response, "id")
    invocation.response_model = get(response, "model")


def on_response(invocation: Invocation, response: Any) -> None:
    _chat.on_response(invocation, response, read_meta)


def finish_stream(invocation: Invocation, chunks: list[Any]) -> None:
    _chat.finish_stream(invocation, chunks, read_meta)
    if invocation.input_tokens is None:
        usage = next(
            (get(get(c, "x_groq"), "usage") for c in reversed(chunks) if get(get(c, "x_groq"), "usage")), None
        )
        _common.read_usage(invocation, usage, "prompt_tokens", "completion_tokens")


CHAT = Operation(start, on_response, finish_stream, texts=CHAT_TEXTS, refusal="groq.chat")


class GroqInstrumentor(GenAIInstrumentor):
    requirements = ("groq >= 0.9",)

    def patches(self) -> Sequence[Patch]:
        module = "groq.resources.chat.completions"
        return (
            Patch(module, "Completions.create", CHAT),
            Patch(module, "AsyncCompletions.create", CHAT, is_async=True),
        )


__all__ = ["GroqInstrumentor"]
