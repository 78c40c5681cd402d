"""Endpoint, sentinels and usage shared by the Cohere operations."""

from __future__ import annotations

from typing import Any

from otel_llm.instrumentation._endpoint import host_and_port
from otel_llm.instrumentation.openai._common import get
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation


def given(value: Any) -> bool:
    """Not ``None`` and not the SDK's ``OMIT`` default (an ``Ellipsis``)."""
    return value is not None and value is not Ellipsis


def _endpoint(instance: Any) -> tuple[str | None, int | None]:
    wrapper = getattr(instance, "_client_wrapper", None)
    return host_and_port(wrapper.get_base_url() if wrapper is not None else None)


def start(
    telemetry: GenAITelemetry,
    instance: Any,
    kwargs: dict[str, Any],
    operation: str,
    attributes: dict[str, Any],
    stream: bool = False,
) -> Invocation | None:
    address, port = _endpoint(instance)
    return telemetry.start(
        operation, A.GenAiProviderNameValues.COHERE, kwargs.get("model"), address, port, attributes, stream
    )


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
