"""Model calls DSPy makes through its own ``lm15`` engine (the default for the requests it can represent).

``LM15Engine.complete(request)`` sends the request with DSPy's vendored HTTP client, so no provider
SDK (and none of our provider instrumentors) sees it: the call becomes a CLIENT span here, from the
request's ``provider/model`` and the engine's response (id, model, finish reason, usage). Calls DSPy
sends through LiteLLM instead are our LiteLLM instrumentor's. ``stream(request)`` (what
``dspy.streamify`` uses) is a generator of lm15 stream events: its span, started when the app (or DSPy)
begins reading, ends with the stream, read from the start event (id, model) and the end event (finish
reason, usage); the app's events pass unchanged.
"""

from __future__ import annotations

from typing import Any

from otel_llm.instrumentation._wrapping import Operation, positional_arguments
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation

# DSPy's model prefixes (LiteLLM's) -> gen_ai.provider.name
PROVIDERS = {
    "openai": A.GenAiProviderNameValues.OPENAI,
    "anthropic": A.GenAiProviderNameValues.ANTHROPIC,
    "gemini": A.GenAiProviderNameValues.GCP_GEMINI,
    "vertex_ai": A.GenAiProviderNameValues.GCP_VERTEX_AI,
    "groq": A.GenAiProviderNameValues.GROQ,
    "mistral": A.GenAiProviderNameValues.MISTRAL_AI,
    "cohere": A.GenAiProviderNameValues.COHERE,
    "bedrock": A.GenAiProviderNameValues.AWS_BEDROCK,
    "azure": A.GenAiProviderNameValues.AZURE_AI_OPENAI,
    "deepseek": A.GenAiProviderNameValues.DEEPSEEK,
}


def start(
    telemetry: GenAITelemetry, engine: Any, kwargs: dict[str, Any], stream: bool = False
) -> Invocation | None:
    prefix, _, model = str(kwargs["request"].model).rpartition("/")
    provider = PROVIDERS.get(prefix.split("/")[0] if prefix else "openai", prefix)
    return telemetry.start(A.GenAiOperationNameValues.CHAT, provider, model or None, stream=stream)


def start_stream(telemetry: GenAITelemetry, engine: Any, kwargs: dict[str, Any]) -> Invocation | None:
    return start(telemetry, engine, kwargs, stream=True)


def on_response(invocation: Invocation, response: Any) -> None:
    invocation.response_model = getattr(response, "model", None)
    invocation.response_id = getattr(response, "id", None)
    _read_end(invocation, response)


def finish_stream(invocation: Invocation, events: list[Any]) -> None:
    """Id and model from a provider's start event (Responses), or else from the raw frame the end event
    keeps (chat completions, whose start event lm15 synthesises from the request); finish reason and
    usage from the end event."""
    for event in events:
        kind = getattr(event, "type", None)
        if kind == "start" and getattr(event, "id", None):
            invocation.response_model = getattr(event, "model", None)
            invocation.response_id = event.id
        elif kind == "end":
            frame = getattr(event, "provider_data", None)
            if isinstance(frame, dict) and invocation.response_id is None:
                response_id, model = frame.get("id"), frame.get("model")
                invocation.response_id = response_id if isinstance(response_id, str) else None
                invocation.response_model = model if isinstance(model, str) else None
            _read_end(invocation, event)


def _read_end(invocation: Invocation, response: Any) -> None:
    finish = getattr(response, "finish_reason", None)
    if finish:
        invocation.finish_reasons = [str(finish)]
    usage = getattr(response, "usage", None)
    if usage is not None:
        invocation.input_tokens = usage.input_tokens
        invocation.output_tokens = usage.output_tokens
        invocation.cache_read_tokens = usage.cache_read_tokens
        invocation.cache_creation_tokens = usage.cache_write_tokens
        invocation.reasoning_tokens = usage.reasoning_tokens


COMPLETE = Operation(start, on_response, arguments=positional_arguments("request"))
STREAM = Operation(
    start_stream,
    on_response,
    finish_stream,
    arguments=positional_arguments("request"),
    stream_window=lambda invocation: 2,  # the start event is the first; the end event is last or next to it
)
