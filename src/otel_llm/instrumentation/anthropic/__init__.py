"""Anthropic instrumentation: ``messages.create`` (streamed or not), the ``messages.stream(...)`` helper
and their beta twins, sync and async, for the Anthropic API and the SDK's Bedrock and Vertex clients.

Provider: ``anthropic``; ``aws.bedrock`` for ``AnthropicBedrock`` and ``gcp.vertex_ai`` for
``AnthropicVertex`` clients. ``server.address``/``server.port`` come from the client's base URL.

Guardrails check ``create`` and the ``stream`` helper (``otel_llm.formats.anthropic_messages``).
A streamed text block ends
with a ``content_block_stop`` event that has no text; while a guard filters a stream, an empty text
delta is put before it, which carries the released tail (``otel_llm.telemetry.texts.tailed``).

Recent SDKs start their own call span (``anthropic.messages.create``, with ``gen_ai.*`` attributes).
Inside one of our spans that span is not started, so one model call stays one span; calls we do not
instrument keep the SDK's span.
"""

from __future__ import annotations

import contextlib
from typing import Any

import wrapt
from opentelemetry.instrumentation.utils import unwrap

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches


class AnthropicInstrumentor(GenAIInstrumentor):
    requirements = ("anthropic >= 0.40",)

    def _instrument(self, **kwargs: Any) -> None:
        from otel_llm.instrumentation.anthropic._sdk import SDK_SPAN, no_sdk_span_inside_ours

        super()._instrument(**kwargs)
        with contextlib.suppress(ImportError, AttributeError):  # an SDK without its own spans
            wrapt.wrap_function_wrapper(*SDK_SPAN, no_sdk_span_inside_ours)

    def _uninstrument(self, **kwargs: Any) -> None:
        from otel_llm.instrumentation.anthropic._sdk import SDK_SPAN

        super()._uninstrument(**kwargs)
        with contextlib.suppress(ImportError, AttributeError):
            import anthropic._base_client as base_client

            unwrap(base_client, SDK_SPAN[1])

    def patches(self) -> Patches:
        from otel_llm.instrumentation._wrapping import sync_and_async
        from otel_llm.instrumentation.anthropic._sdk import CREATE, MODULES, RAW_STREAM, STREAM_HELPER

        return tuple(
            patch
            for module in MODULES
            for patch in (
                *sync_and_async(module, "Messages.create", CREATE),
                *sync_and_async(module, "Messages.stream", STREAM_HELPER, stream_manager=RAW_STREAM),
            )
        )


__all__ = ["AnthropicInstrumentor"]
