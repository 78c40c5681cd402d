"""Mistral request mapping; responses and chunks go through the OpenAI-compatible chat mapping."""

from __future__ import annotations

from typing import Any

from otel_llm.instrumentation._endpoint import start_at
from otel_llm.instrumentation._fields import get
from otel_llm.instrumentation.openai import _chat, _embeddings
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation

_PARAMS = (
    ("max_tokens", A.GEN_AI_REQUEST_MAX_TOKENS),
    ("temperature", A.GEN_AI_REQUEST_TEMPERATURE),
    ("top_p", A.GEN_AI_REQUEST_TOP_P),
    ("top_k", A.GEN_AI_REQUEST_TOP_K),
    ("frequency_penalty", A.GEN_AI_REQUEST_FREQUENCY_PENALTY),
    ("presence_penalty", A.GEN_AI_REQUEST_PRESENCE_PENALTY),
    ("random_seed", A.GEN_AI_REQUEST_SEED),
)
_PROVIDER = A.GenAiProviderNameValues.MISTRAL_AI
_OUTPUT_TYPES = {"json_object": A.GenAiOutputTypeValues.JSON, "json_schema": A.GenAiOutputTypeValues.JSON}


def given(value: Any) -> bool:
    """Not ``None`` and not the SDK's ``UNSET`` sentinel (a falsy model instance)."""
    return value is not None and not (type(value).__name__ == "Unset" and not value)


def _start(
    telemetry: GenAITelemetry,
    instance: Any,
    kwargs: dict[str, Any],
    operation: str,
    attributes: dict[str, Any],
) -> Invocation | None:
    configuration = getattr(instance, "sdk_configuration", None)
    base_url = configuration.get_server_details()[0] if configuration is not None else None
    stream = kwargs.get("stream") is True
    return start_at(telemetry, base_url, operation, _PROVIDER, kwargs.get("model"), attributes, stream)


def chat_request_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    attributes = {key: kwargs[param] for param, key in _PARAMS if given(kwargs.get(param))}
    stop = kwargs.get("stop")
    if given(stop):
        attributes[A.GEN_AI_REQUEST_STOP_SEQUENCES] = [stop] if isinstance(stop, str) else list(stop)
    n = kwargs.get("n")
    if given(n) and n != 1:
        attributes[A.GEN_AI_REQUEST_CHOICE_COUNT] = n
    kind = get(kwargs.get("response_format"), "type")
    if kind in _OUTPUT_TYPES:
        attributes[A.GEN_AI_OUTPUT_TYPE] = _OUTPUT_TYPES[kind]
    return attributes


def start_chat(telemetry: GenAITelemetry, instance: Any, kwargs: dict[str, Any]) -> Invocation | None:
    invocation = _start(
        telemetry, instance, kwargs, A.GenAiOperationNameValues.CHAT, chat_request_attributes(kwargs)
    )
    if invocation is not None and invocation.capture:
        invocation.input_content = (
            None,
            _chat.input_messages(kwargs.get("messages") or ()),
            _chat.tool_definitions(kwargs) if given(kwargs.get("tools")) else None,
        )
    return invocation


def start_chat_stream(telemetry: GenAITelemetry, instance: Any, kwargs: dict[str, Any]) -> Invocation | None:
    """``chat.stream()`` streams without a ``stream`` argument."""
    return start_chat(telemetry, instance, {**kwargs, "stream": True})


def _split_content(content: Any) -> tuple[Any, str]:
    """Reasoning models (Magistral) send content as chunks: the answer text, and the thinking apart."""
    if not isinstance(content, list):
        return content, ""
    text = "".join(get(c, "text") or "" for c in content if get(c, "type") == "text")
    thinking = "".join(
        get(t, "text") or ""
        for c in content
        if get(c, "type") == "thinking"
        for t in get(c, "thinking") or ()
    )
    return text, thinking


def _add_reasoning(invocation: Invocation, thinking: dict[int, str]) -> None:
    for index, message in enumerate(invocation.output_messages or ()):
        parts = [part for part in message["parts"] if part.get("type") != "thinking"]
        if thinking.get(index):
            parts.insert(0, {"type": "reasoning", "content": thinking[index]})
        message["parts"] = parts


def on_chat_response(invocation: Invocation, response: Any) -> None:
    _chat.on_response(invocation, response)
    if invocation.capture:
        choices = get(response, "choices") or ()
        _add_reasoning(invocation, {i: _split_content(c.message.content)[1] for i, c in enumerate(choices)})


def _flatten(chunk: Any, thinking: dict[int, list[str]]) -> Any:
    """A copy of the chunk whose chunked delta contents are plain text (the app's chunk is untouched)."""
    choices = get(chunk, "choices") or ()
    if not any(isinstance(get(c.delta, "content"), list) for c in choices):
        return chunk
    flat = []
    for choice in choices:
        text, reasoning = _split_content(get(choice.delta, "content"))
        thinking.setdefault(choice.index, []).append(reasoning)
        flat.append(choice.model_copy(update={"delta": choice.delta.model_copy(update={"content": text})}))
    return chunk.model_copy(update={"choices": flat})


def finish_chat_stream(invocation: Invocation, events: list[Any]) -> None:
    """Mistral streams ``CompletionEvent`` envelopes; their ``data`` are OpenAI-shaped chunks."""
    if not invocation.capture:  # only the ends of the stream are read
        _chat.finish_stream(invocation, [event.data for event in events])
        return
    thinking: dict[int, list[str]] = {}
    _chat.finish_stream(invocation, [_flatten(event.data, thinking) for event in events])
    _add_reasoning(invocation, {index: "".join(texts) for index, texts in thinking.items()})


def start_embeddings(telemetry: GenAITelemetry, instance: Any, kwargs: dict[str, Any]) -> Invocation | None:
    attributes: dict[str, Any] = {}
    dimensions = kwargs.get("output_dimension")
    if given(dimensions):
        attributes[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimensions
    for param in ("encoding_format", "output_dtype"):
        value = kwargs.get(param)
        if given(value):
            attributes[A.GEN_AI_REQUEST_ENCODING_FORMATS] = [str(value)]
            break
    return _start(telemetry, instance, kwargs, A.GenAiOperationNameValues.EMBEDDINGS, attributes)


on_embeddings_response = _embeddings.on_response
