"""The groq SDK's quirks: the endpoint from the client's base URL, no ``openai.*`` response fields, and
the usage of streams in the last chunk's ``x_groq.usage``."""

from __future__ import annotations

from typing import Any

from otel_llm.formats import openai_chat
from otel_llm.instrumentation._endpoint import starter
from otel_llm.instrumentation._wrapping import Operation
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.fields import get
from otel_llm.telemetry.invocation import Invocation


def endpoint(instance: Any) -> tuple[str, Any]:
    return A.GenAiProviderNameValues.GROQ, getattr(getattr(instance, "_client", None), "base_url", None)


def on_response(invocation: Invocation, response: Any) -> None:
    openai_chat.on_response(invocation, response, openai_chat.read_id_and_model)


def finish_stream(invocation: Invocation, chunks: list[Any]) -> None:
    openai_chat.finish_stream(invocation, chunks, openai_chat.read_id_and_model)
    if invocation.input_tokens is None:
        usage = next(
            (get(get(c, "x_groq"), "usage") for c in reversed(chunks) if get(get(c, "x_groq"), "usage")), None
        )
        openai_chat.read_usage(invocation, usage, "prompt_tokens", "completion_tokens")


CHAT = Operation(
    starter(
        endpoint,
        A.GenAiOperationNameValues.CHAT,
        openai_chat.compatible_request_attributes,
        openai_chat.input_content,
    ),
    on_response,
    finish_stream,
    texts=openai_chat.TEXTS,
    refusal="groq.chat",
)
