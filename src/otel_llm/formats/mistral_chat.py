"""The Mistral chat and embeddings format: its request parameters, and the OpenAI-compatible chat mapping
for responses and chunks, with reasoning models' chunked content. Where the texts sit (content capture
and guardrails): requests as in the OpenAI chat format; answers whose content may be a list of chunks
(reasoning models), of which the ``text`` chunks are the answer (the thinking chunks are not checked)."""

from __future__ import annotations

from typing import Any

from otel_llm.formats import openai_chat as _chat
from otel_llm.formats import openai_embeddings as _embeddings
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.fields import copy_given, get, given, request_parameters
from otel_llm.telemetry.invocation import Invocation
from otel_llm.telemetry.text_locations import Answers, Content, text_mapping

_PARAMS = request_parameters(
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "frequency_penalty",
    "presence_penalty",
    random_seed="seed",
    stop="stop_sequences",
)
_OUTPUT_TYPES = {"json_object": A.GenAiOutputTypeValues.JSON, "json_schema": A.GenAiOutputTypeValues.JSON}


def chat_request_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    attributes = copy_given(kwargs, _PARAMS)
    n = kwargs.get("n")
    if given(n) and n != 1:
        attributes[A.GEN_AI_REQUEST_CHOICE_COUNT] = n
    kind = get(kwargs.get("response_format"), "type")
    if kind in _OUTPUT_TYPES:
        attributes[A.GEN_AI_OUTPUT_TYPE] = _OUTPUT_TYPES[kind]
    return attributes


def _split_content(content: Any) -> tuple[Any, str]:
    """Reasoning models (Magistral) send content as chunks: the answer text, and the thinking apart."""
    if not isinstance(content, list):
        return content, ""
    text = ANSWERS.text(content)
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


def embeddings_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    dimensions = kwargs.get("output_dimension")
    if given(dimensions):
        attributes[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimensions
    for param in ("encoding_format", "output_dtype"):
        value = kwargs.get(param)
        if given(value):
            attributes[A.GEN_AI_REQUEST_ENCODING_FORMATS] = [str(value)]
            break
    return attributes


on_embeddings_response = _embeddings.on_response


# A stream event's ``data`` is an OpenAI-shaped chunk; a text written where no text chunk is replaces
# the content (only a stream's last delta gets text where none was, and Mistral sends that as a string).
ANSWERS = Answers(event="data", parts=Content({"text": "text"}, frozenset({"text"})), fill_empty=True)
CHAT_TEXTS = text_mapping(_chat.MESSAGES, ANSWERS)
