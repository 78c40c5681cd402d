"""The OpenAI chat-completions format: request attributes, content, response and stream reading, and
guardrail texts. Spoken by OpenAI, Groq, LiteLLM, Mistral, Ollama and Cohere v2 (its messages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from otel_llm.semconv import attributes as A
from otel_llm.telemetry import content
from otel_llm.telemetry.fields import copy_given, get, given, request_parameters
from otel_llm.telemetry.invocation import Invocation
from otel_llm.telemetry.text_locations import Answers, Content, Messages, text_mapping

_PARAMS = request_parameters(
    "max_tokens",
    "temperature",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    max_completion_tokens="max_tokens",
    stop="stop_sequences",
)
_OUTPUT_TYPES = {
    "json_object": A.GenAiOutputTypeValues.JSON,
    "json_schema": A.GenAiOutputTypeValues.JSON,
    "text": A.GenAiOutputTypeValues.TEXT,
}


def request_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The request attributes with OpenAI's own (service tier, API type)."""
    attributes = compatible_request_attributes(kwargs)
    service_tier_attributes(kwargs, attributes)
    attributes[A.OPENAI_API_TYPE] = A.OpenaiApiTypeValues.CHAT_COMPLETIONS
    return attributes


def service_tier_attributes(kwargs: dict[str, Any], attributes: dict[str, Any]) -> None:
    tier = kwargs.get("service_tier")
    if given(tier) and tier != "auto":
        attributes[A.OPENAI_REQUEST_SERVICE_TIER] = tier


def compatible_request_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The request attributes of the chat-completions format, for OpenAI-compatible APIs too."""
    attributes = copy_given(kwargs, _PARAMS)
    n = kwargs.get("n")
    if given(n) and n != 1:
        attributes[A.GEN_AI_REQUEST_CHOICE_COUNT] = n
    response_format = kwargs.get("response_format")
    if given(response_format):
        # parse() takes a pydantic class: structured output, so JSON
        kind = get(response_format, "type") if isinstance(response_format, dict) else "json_schema"
        if kind in _OUTPUT_TYPES:
            attributes[A.GEN_AI_OUTPUT_TYPE] = _OUTPUT_TYPES[kind]
    return attributes


def input_content(kwargs: dict[str, Any]) -> tuple[None, list[dict[str, Any]], list[dict[str, Any]] | None]:
    """The content of a chat-completions request: system prompts are messages here, then tools."""
    return None, input_messages(kwargs.get("messages") or ()), tool_definitions(kwargs)


# -- content ----------------------------------------------------------------------------------


def _media_part(part: Any) -> dict[str, Any]:
    """A part with no text: an image (inline data or a URL), or its kind alone."""
    kind = get(part, "type")
    if kind != "image_url":
        return {"type": str(kind)}
    url = get(get(part, "image_url"), "url", "")
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        mime = header[5:].split(";")[0] or None
        return {"type": "blob", "modality": "image", "mime_type": mime, "content": data}
    return {"type": "uri", "modality": "image", "uri": url}


def _tool_call_parts(tool_calls: Any) -> list[dict[str, Any]]:
    parts = []
    for call in tool_calls or ():
        function = get(call, "function")
        parts.append(
            content.tool_call_part(
                get(call, "id"), get(function, "name"), content.parse_json_or_text(get(function, "arguments"))
            )
        )
    return parts


def input_messages(messages: Any, described: Content | None = None) -> list[dict[str, Any]]:
    """Content capture of chat messages; ``described`` says where their texts are (OpenAI's by default)."""
    described = described or CONTENT
    result = []
    for message in messages:
        role = get(message, "role")
        if role == "tool":
            parts = [content.tool_response_part(get(message, "tool_call_id"), get(message, "content"))]
        else:
            parts = described.parts(get(message, "content"), _media_part) + _tool_call_parts(
                get(message, "tool_calls")
            )
        entry: dict[str, Any] = {"role": role, "parts": parts}
        name = get(message, "name")
        if name:
            entry["name"] = name
        result.append(entry)
    return result


def tool_definitions(kwargs: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The function tools of a request (``None`` without tools)."""
    tools = kwargs.get("tools")
    if not given(tools):
        return None
    definitions = []
    for tool in tools:
        function = get(tool, "function")
        definitions.append({"type": get(tool, "type", "function"), "name": get(function, "name")})
    return definitions


# -- response -----------------------------------------------------------------------------------


ReadMeta = Callable[[Invocation, Any], None]


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


def read_id_and_model(invocation: Invocation, response: Any) -> None:
    """The response metadata of OpenAI-compatible servers, which have no ``openai.*`` fields."""
    invocation.response_id = get(response, "id")
    invocation.response_model = get(response, "model")


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


def on_response(invocation: Invocation, response: Any, read_meta: ReadMeta = read_response_meta) -> None:
    """``read_meta`` reads id, model and provider-specific fields (OpenAI's by default)."""
    choices = get(response, "choices")
    if choices is None:  # a raw/legacy response wrapper: nothing parsed to read
        return
    read_meta(invocation, response)
    invocation.finish_reasons = [choice.finish_reason or "" for choice in choices]
    read_usage(invocation, get(response, "usage"), "prompt_tokens", "completion_tokens")
    if invocation.capture:
        invocation.output_messages = [
            {
                "role": get(choice.message, "role") or "assistant",
                "parts": CONTENT.parts(ANSWERS.value(choice), _media_part)
                + _tool_call_parts(choice.message.tool_calls),
                "finish_reason": choice.finish_reason or "",
            }
            for choice in choices
        ]


class _Choice:
    __slots__ = ("finish_reason", "role", "text", "tool_calls")

    def __init__(self) -> None:
        self.role = "assistant"
        self.text: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.finish_reason: str | None = None


_USAGE_WINDOW = 3  # usage arrives in the last chunk (or, with some servers, the last content chunk)


def stream_window(invocation: Invocation) -> int | None:
    """Without content capture and with one choice, a stream's last chunks hold all we read."""
    if invocation.capture or invocation.start_attributes.get(A.GEN_AI_REQUEST_CHOICE_COUNT, 1) != 1:
        return None
    return _USAGE_WINDOW + 1


def finish_stream(
    invocation: Invocation, chunks: list[Any], read_meta: ReadMeta = read_response_meta
) -> None:
    """Read a finished stream. Without content capture, only its ends are read: the id and model at
    the start, usage and finish reasons at the end, so the cost does not grow with the stream.
    ``read_meta`` as in :func:`on_response`."""
    for chunk in chunks:
        if get(chunk, "id"):
            read_meta(invocation, chunk)
            break
    for chunk in chunks[: -_USAGE_WINDOW - 1 : -1]:
        usage = get(chunk, "usage")
        if usage is not None:
            read_usage(invocation, usage, "prompt_tokens", "completion_tokens")
            break
    if invocation.capture:
        _accumulate(invocation, chunks)
        return
    expected = invocation.start_attributes.get(A.GEN_AI_REQUEST_CHOICE_COUNT, 1)
    reasons: dict[int, str] = {}
    for chunk in reversed(chunks):
        for choice in get(chunk, "choices") or ():
            if choice.finish_reason and choice.index not in reasons:
                reasons[choice.index] = choice.finish_reason
        if len(reasons) >= expected:
            break
    if reasons:
        invocation.finish_reasons = [reasons.get(index, "") for index in range(max(reasons) + 1)]


def _accumulate(invocation: Invocation, chunks: list[Any]) -> None:
    """Content capture: rebuild each choice's message from its deltas."""
    choices: dict[int, _Choice] = {}
    for chunk in chunks:
        for choice in get(chunk, "choices") or ():
            state = choices.get(choice.index)
            if state is None:
                state = choices[choice.index] = _Choice()
            if choice.finish_reason:
                state.finish_reason = choice.finish_reason
            if choice.delta is not None:
                _accumulate_delta(state, choice.delta)
    ordered = [choices[index] for index in sorted(choices)]
    if any(state.finish_reason for state in ordered):  # a stream cut short has none
        invocation.finish_reasons = [state.finish_reason or "" for state in ordered]
    invocation.output_messages = [
        {
            "role": state.role,
            "parts": ([content.text_part("".join(state.text))] if state.text else [])
            + [
                content.tool_call_part(
                    call["id"], call["name"], content.parse_json_or_text("".join(call["args"]))
                )
                for call in state.tool_calls.values()
            ],
            "finish_reason": state.finish_reason or "",
        }
        for state in ordered
    ]


def _accumulate_delta(state: _Choice, delta: Any) -> None:
    if delta.role:
        state.role = delta.role
    text = get(delta, ANSWERS.field)
    if text:
        state.text.append(text)
    for call in delta.tool_calls or ():
        entry = state.tool_calls.setdefault(call.index, {"id": None, "name": None, "args": []})
        if call.id:
            entry["id"] = call.id
        if call.function is not None:
            if call.function.name:
                entry["name"] = call.function.name
            if call.function.arguments:
                entry["args"].append(call.function.arguments)


# -- where the texts sit: content capture and guardrails -------------------------------------------
# Guardrails check the texts that come from outside the app: the user's turns and tool results (their
# ``text`` parts). The app's own system/developer instructions and the model's earlier turns are not
# re-checked; nor are refusals, which content capture records as text.


def _dumped_with(message: Any, **fields: Any) -> dict[str, Any]:
    """A message (dict, or an SDK model as the dict the SDK would send) with ``fields`` replaced."""
    copy = dict(message) if isinstance(message, dict) else message.model_dump(exclude_none=True)
    copy.update(fields)
    return copy


def _new_delta(text: str) -> Any:
    from openai.types.chat.chat_completion_chunk import ChoiceDelta

    return ChoiceDelta(content=text)


CONTENT = Content({"text": "text", "refusal": "refusal"}, checked=frozenset({"text"}))
MESSAGES = Messages(CONTENT, frozenset({"user", "tool", "function"}), copy=_dumped_with)
ANSWERS = Answers(new_holder=_new_delta)
TEXTS = text_mapping(MESSAGES, ANSWERS)
