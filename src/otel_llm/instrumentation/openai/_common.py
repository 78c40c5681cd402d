"""Pieces shared by the OpenAI operations: client endpoint, provider name, request parameters, usage.

Nothing here imports the SDK: loading the instrumentor must not import ``openai``.
"""

from __future__ import annotations

from typing import Any

from otel_llm.instrumentation._fields import get, given
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation

_DEFAULT_PORTS = {"https": 443, "http": 80}


def provider_and_endpoint(instance: Any) -> tuple[str, str | None, int | None]:
    client = getattr(instance, "_client", None)
    # The SDK's base_url property returns its _base_url; openai 3.x's runs an import statement on each
    # access, which costs more than the rest of this function. Older and other clients: the property.
    url = getattr(client, "_base_url", None) or getattr(client, "base_url", None)
    provider = (
        A.GenAiProviderNameValues.AZURE_AI_OPENAI
        if type(client).__name__ in ("AzureOpenAI", "AsyncAzureOpenAI")
        else A.GenAiProviderNameValues.OPENAI
    )
    if url is None:
        return provider, None, None
    return provider, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def start(
    telemetry: GenAITelemetry,
    instance: Any,
    kwargs: dict[str, Any],
    operation: str,
    request_attributes: dict[str, Any],
) -> Invocation | None:
    provider, address, port = provider_and_endpoint(instance)
    stream = kwargs.get("stream") is True
    return telemetry.start(
        operation, provider, kwargs.get("model"), address, port, request_attributes, stream
    )


def copy_params(kwargs: dict[str, Any], mapping: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    attributes = {}
    for param, key in mapping:
        value = kwargs.get(param)
        if given(value):
            attributes[key] = value
    return attributes


def service_tier_attributes(kwargs: dict[str, Any], attributes: dict[str, Any]) -> None:
    tier = kwargs.get("service_tier")
    if given(tier) and tier != "auto":
        attributes[A.OPENAI_REQUEST_SERVICE_TIER] = tier


def read_response_meta(invocation: Invocation, response: Any) -> None:
    """id, model, service tier and system fingerprint: the same fields on every OpenAI response."""
    invocation.response_id = get(response, "id")
    invocation.response_model = get(response, "model")
    metric_extra = {}
    tier = get(response, "service_tier")
    if tier:
        invocation.extra_attributes[A.OPENAI_RESPONSE_SERVICE_TIER] = tier
        metric_extra[A.OPENAI_RESPONSE_SERVICE_TIER] = tier
    fingerprint = get(response, "system_fingerprint")
    if fingerprint:
        invocation.extra_attributes[A.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = fingerprint
        metric_extra[A.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = fingerprint
    if metric_extra:
        invocation.extra_metric_attributes = metric_extra


def read_usage(invocation: Invocation, usage: Any, input_key: str, output_key: str) -> None:
    """Chat usage (prompt/completion tokens) and Responses usage (input/output tokens) alike."""
    if usage is None:
        return
    invocation.input_tokens = get(usage, input_key)
    invocation.output_tokens = get(usage, output_key)
    input_details = get(usage, f"{input_key}_details")
    if input_details is not None:
        invocation.cache_read_tokens = get(input_details, "cached_tokens")
        cache_write = get(input_details, "cache_write_tokens")
        if cache_write:
            invocation.cache_creation_tokens = cache_write
    output_details = get(usage, f"{output_key}_details")
    if output_details is not None:
        invocation.reasoning_tokens = get(output_details, "reasoning_tokens")
