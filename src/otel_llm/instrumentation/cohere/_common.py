"""Endpoint, sentinels and usage shared by the Cohere operations."""

from __future__ import annotations

from typing import Any

from otel_llm.instrumentation._endpoint import start_at
from otel_llm.instrumentation._fields import get
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation


def given(value: Any) -> bool:
    """Not ``None`` and not the SDK's ``OMIT`` default (an ``Ellipsis``)."""
    return value is not None and value is not Ellipsis


def start(
    telemetry: GenAITelemetry,
    instance: Any,
    kwargs: dict[str, Any],
    operation: str,
    attributes: dict[str, Any],
    stream: bool = False,
) -> Invocation | None:
    wrapper = getattr(instance, "_client_wrapper", None)
    base_url = wrapper.get_base_url() if wrapper is not None else None
    provider = A.GenAiProviderNameValues.COHERE
    return start_at(telemetry, base_url, operation, provider, kwargs.get("model"), attributes, stream)


def read_usage(invocation: Invocation, usage: Any) -> None:
    """Billed units are what Cohere prices; ``tokens`` (incl. its prompt template) is the fallback."""
    if usage is None:
        return
    for source in (get(usage, "billed_units"), get(usage, "tokens")):
        if source is not None and get(source, "input_tokens") is not None:
            invocation.input_tokens = int(get(source, "input_tokens"))
            output = get(source, "output_tokens")
            invocation.output_tokens = int(output) if output is not None else None
            return
