"""The Anthropic SDK's quirks: provider by client class (Bedrock, Vertex), endpoint from the client's
base URL, the ``stream`` helper's raw stream, and the SDK's own call span."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opentelemetry import context

from otel_llm.formats import anthropic_messages as messages
from otel_llm.formats.anthropic_messages import TEXTS
from otel_llm.instrumentation._endpoint import starter
from otel_llm.instrumentation._wrapping import Operation
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GENAI_SPAN_KEY

_PROVIDERS = {
    "AnthropicBedrock": A.GenAiProviderNameValues.AWS_BEDROCK,
    "AsyncAnthropicBedrock": A.GenAiProviderNameValues.AWS_BEDROCK,
    "AnthropicVertex": A.GenAiProviderNameValues.GCP_VERTEX_AI,
    "AsyncAnthropicVertex": A.GenAiProviderNameValues.GCP_VERTEX_AI,
}
_CHAT = A.GenAiOperationNameValues.CHAT


def endpoint(instance: Any) -> tuple[str, Any]:
    client = getattr(instance, "_client", None)
    provider = _PROVIDERS.get(type(client).__name__, A.GenAiProviderNameValues.ANTHROPIC)
    return provider, getattr(client, "base_url", None)


CREATE = Operation(
    starter(endpoint, _CHAT, messages.request_attributes, messages.input_content),
    messages.read_message,
    messages.read_events,
    texts=TEXTS,
    refusal="anthropic.messages",
)
STREAM_HELPER = Operation(
    starter(endpoint, _CHAT, messages.request_attributes, messages.input_content, stream=True),
    messages.read_message,
    messages.read_events,
    texts=TEXTS,
)
RAW_STREAM = "_raw_stream"  # the attribute of MessageStream / BetaMessageStream the events come from
MODULES = (
    "anthropic.resources.messages.messages",
    "anthropic.resources.beta.messages.messages",
    # the Bedrock and Vertex beta resources copy the first-party functions when they are defined
    "anthropic.lib.bedrock._beta_messages",
    "anthropic.lib.vertex._beta_messages",
)
SDK_SPAN = ("anthropic._base_client", "start_api_call_span")  # returns the SDK's span, or None for none


def no_sdk_span_inside_ours(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict) -> Any:
    if context.get_value(GENAI_SPAN_KEY):
        return None
    return wrapped(*args, **kwargs)
