"""Anthropic instrumentation: ``messages.create`` (streamed or not), the ``messages.stream(...)`` helper
and their beta twins, sync and async, for the Anthropic API and the SDK's Bedrock and Vertex clients.

Provider: ``anthropic``; ``aws.bedrock`` for ``AnthropicBedrock`` and ``gcp.vertex_ai`` for
``AnthropicVertex`` clients. ``server.address``/``server.port`` come from the client's base URL.

Guardrails check ``create`` and the ``stream`` helper (see ``_texts``). A streamed text block ends
with a ``content_block_stop`` event that has no text; while a guard filters a stream, an empty text
delta is put before it, which carries the released tail (``_guarded_texts.tailed``).

Recent SDKs start their own call span (``anthropic.messages.create``, with ``gen_ai.*`` attributes).
Inside one of our spans that span is not started, so one model call stays one span; calls we do not
instrument keep the SDK's span.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import wrapt
from opentelemetry import context
from opentelemetry.instrumentation.utils import unwrap

from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.instrumentation._endpoint import start_at
from otel_llm.instrumentation._wrapping import Operation, Patch
from otel_llm.instrumentation.anthropic import _messages
from otel_llm.instrumentation.anthropic._texts import TEXTS
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GENAI_SPAN_KEY, GenAITelemetry, Invocation

_PROVIDERS = {
    "AnthropicBedrock": A.GenAiProviderNameValues.AWS_BEDROCK,
    "AsyncAnthropicBedrock": A.GenAiProviderNameValues.AWS_BEDROCK,
    "AnthropicVertex": A.GenAiProviderNameValues.GCP_VERTEX_AI,
    "AsyncAnthropicVertex": A.GenAiProviderNameValues.GCP_VERTEX_AI,
}


def _start(
    telemetry: GenAITelemetry, instance: Any, kwargs: dict[str, Any], stream: bool
) -> Invocation | None:
    client = getattr(instance, "_client", None)
    provider = _PROVIDERS.get(type(client).__name__, A.GenAiProviderNameValues.ANTHROPIC)
    invocation = start_at(
        telemetry,
        getattr(client, "base_url", None),
        A.GenAiOperationNameValues.CHAT,
        provider,
        kwargs.get("model"),
        _messages.request_attributes(kwargs),
        stream,
    )
    if invocation is not None and invocation.capture:
        invocation.input_content = _messages.input_content(kwargs)
    return invocation


def start_create(telemetry: GenAITelemetry, instance: Any, kwargs: dict[str, Any]) -> Invocation | None:
    return _start(telemetry, instance, kwargs, kwargs.get("stream") is True)


def start_stream_helper(
    telemetry: GenAITelemetry, instance: Any, kwargs: dict[str, Any]
) -> Invocation | None:
    return _start(telemetry, instance, kwargs, True)


CREATE = Operation(
    start_create, _messages.read_message, _messages.read_events, texts=TEXTS, refusal="anthropic.messages"
)
STREAM_HELPER = Operation(start_stream_helper, _messages.read_message, _messages.read_events, texts=TEXTS)
_RAW_STREAM = "_raw_stream"  # the attribute of MessageStream / BetaMessageStream the events come from
_MODULES = (
    "anthropic.resources.messages.messages",
    "anthropic.resources.beta.messages.messages",
    # the Bedrock and Vertex beta resources copy the first-party functions when they are defined
    "anthropic.lib.bedrock._beta_messages",
    "anthropic.lib.vertex._beta_messages",
)


def _patches(module: str) -> tuple[Patch, ...]:
    return (
        Patch(module, "Messages.create", CREATE),
        Patch(module, "AsyncMessages.create", CREATE, is_async=True),
        Patch(module, "Messages.stream", STREAM_HELPER, stream_manager=_RAW_STREAM),
        Patch(module, "AsyncMessages.stream", STREAM_HELPER, is_async=True, stream_manager=_RAW_STREAM),
    )


_SDK_SPAN = ("anthropic._base_client", "start_api_call_span")  # returns the SDK's span, or None for none


def _no_sdk_span_inside_ours(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict) -> Any:
    if context.get_value(GENAI_SPAN_KEY):
        return None
    return wrapped(*args, **kwargs)


class AnthropicInstrumentor(GenAIInstrumentor):
    requirements = ("anthropic >= 0.40",)

    def _instrument(self, **kwargs: Any) -> None:
        super()._instrument(**kwargs)
        with contextlib.suppress(ImportError, AttributeError):  # an SDK without its own spans
            wrapt.wrap_function_wrapper(*_SDK_SPAN, _no_sdk_span_inside_ours)

    def _uninstrument(self, **kwargs: Any) -> None:
        super()._uninstrument(**kwargs)
        with contextlib.suppress(ImportError, AttributeError):
            import anthropic._base_client as base_client

            unwrap(base_client, _SDK_SPAN[1])

    def patches(self) -> Sequence[Patch]:
        return tuple(patch for module in _MODULES for patch in _patches(module))


__all__ = ["AnthropicInstrumentor"]
