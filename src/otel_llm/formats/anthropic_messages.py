"""The Anthropic Messages format: request body, response message and stream events, and where their
texts sit (content capture and guardrails).

Shared by the ``anthropic`` SDK (its models) and Bedrock's Anthropic bodies (plain JSON dicts), so
every reader goes through :func:`get`. It imports no SDK.
"""

from __future__ import annotations

from typing import Any

from otel_llm.semconv import attributes as A
from otel_llm.telemetry import content
from otel_llm.telemetry.fields import copy_given, get, given, request_parameters
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.invocation import Invocation
from otel_llm.telemetry.text_locations import Content, Messages
from otel_llm.telemetry.texts import Tail, TailText, set_field, with_fields

_PARAMS = request_parameters("max_tokens", "temperature", "top_p", "top_k", "stop_sequences")
_USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")


def request_attributes(body: dict[str, Any]) -> dict[str, Any]:
    attributes = copy_given(body, _PARAMS)
    output_format = get(body.get("output_config"), "format") or body.get("output_format")
    if given(output_format) and get(output_format, "type") == "json_schema":
        attributes[A.GEN_AI_OUTPUT_TYPE] = A.GenAiOutputTypeValues.JSON
    return attributes


# -- content ------------------------------------------------------------------------------------


def _source_part(block: Any, modality: str) -> dict[str, Any]:
    source = get(block, "source")
    kind = get(source, "type")
    if kind == "base64":
        return {
            "type": "blob",
            "modality": modality,
            "mime_type": get(source, "media_type"),
            "content": get(source, "data"),
        }
    if kind == "url":
        return {"type": "uri", "modality": modality, "uri": get(source, "url")}
    return {"type": str(get(block, "type"))}


def block_part(block: Any) -> dict[str, Any]:
    """One content block (text, image, tool use/result, thinking, ...) as a message part."""
    text = CONTENT.text(block)
    return content.text_part(text) if text is not None else _other_block(block)


def _other_block(block: Any) -> dict[str, Any]:
    kind = get(block, "type")
    if kind == "tool_use":
        return content.tool_call_part(get(block, "id"), get(block, "name"), get(block, "input"))
    if kind == "tool_result":
        result = get(block, "content")
        response = result if result is None or isinstance(result, str) else parts(result)
        return content.tool_response_part(get(block, "tool_use_id"), response)
    if kind == "thinking":
        return {"type": "reasoning", "content": get(block, "thinking", "")}
    if kind == "image":
        return _source_part(block, "image")
    return {"type": str(kind)}


def parts(value: Any) -> list[dict[str, Any]]:
    return CONTENT.parts(value, _other_block)


def input_content(body: dict[str, Any]) -> tuple[Any, Any, Any]:
    """System instructions, input messages and tool definitions of a request body."""
    system = body.get("system")
    messages = [
        {"role": get(message, "role"), "parts": parts(get(message, "content"))}
        for message in body.get("messages") or ()
    ]
    tools = body.get("tools")
    definitions = None
    if given(tools):
        definitions = [
            {
                "type": "function" if get(tool, "type") in (None, "custom") else get(tool, "type"),
                "name": get(tool, "name"),
            }
            for tool in tools
        ]
    return (parts(system) if given(system) else None), messages, definitions


# -- response -----------------------------------------------------------------------------------


def read_usage(invocation: Invocation, usage: dict[str, Any]) -> None:
    """Input tokens include cache reads and cache writes, as the conventions specify for Anthropic."""
    base = usage.get("input_tokens")
    read = usage.get("cache_read_input_tokens")
    created = usage.get("cache_creation_input_tokens")
    if base is not None:
        invocation.input_tokens = base + (read or 0) + (created or 0)
    if usage.get("output_tokens") is not None:
        invocation.output_tokens = usage["output_tokens"]
    invocation.cache_read_tokens = read
    invocation.cache_creation_tokens = created


def _usage_fields(usage: Any, into: dict[str, Any]) -> dict[str, Any]:
    for field in _USAGE_FIELDS:
        value = get(usage, field)
        if value is not None:
            into[field] = value
    return into


def _output_message(blocks: list[dict[str, Any]], stop_reason: str | None) -> list[dict[str, Any]]:
    return [{"role": "assistant", "parts": blocks, "finish_reason": stop_reason or ""}]


def read_message(invocation: Invocation, message: Any) -> None:
    """A complete Messages API response (SDK ``Message`` or JSON dict)."""
    if not isinstance(message, dict) and hasattr(message, "parse"):
        return  # a raw response wrapper: read when the app parses it (``_raw_responses``)
    invocation.response_id = get(message, "id")
    invocation.response_model = get(message, "model")
    stop_reason = get(message, "stop_reason")
    if stop_reason:
        invocation.finish_reasons = [stop_reason]
    usage = get(message, "usage")
    if usage is not None:
        read_usage(invocation, _usage_fields(usage, {}))
    if invocation.capture:
        invocation.output_messages = _output_message(parts(get(message, "content")), stop_reason)


class _Block:
    __slots__ = ("start", "texts")

    def __init__(self, start: Any) -> None:
        self.start = start
        self.texts: list[str] = []

    def part(self) -> dict[str, Any]:
        kind = get(self.start, "type")
        joined = "".join(self.texts)
        if kind == "text":
            return content.text_part(joined)
        if kind == "thinking":
            return {"type": "reasoning", "content": joined}
        if kind == "tool_use":
            arguments = content.parse_json_or_text(joined) if joined else get(self.start, "input")
            return content.tool_call_part(get(self.start, "id"), get(self.start, "name"), arguments)
        return block_part(self.start)


_DELTA_TEXT = {"text_delta": "text", "thinking_delta": "thinking", "input_json_delta": "partial_json"}


def read_events(invocation: Invocation, events: list[Any]) -> None:
    """The stream events (``message_start``, ``content_block_*``, ``message_delta``) of one message."""
    usage: dict[str, Any] = {}
    blocks: dict[int, _Block] = {}
    stop_reason = None
    capture = invocation.capture
    for event in events:
        kind = get(event, "type")
        if kind == "message_start":
            message = get(event, "message")
            invocation.response_id = get(message, "id")
            invocation.response_model = get(message, "model")
            _usage_fields(get(message, "usage"), usage)
        elif kind == "message_delta":
            stop_reason = get(get(event, "delta"), "stop_reason") or stop_reason
            _usage_fields(get(event, "usage"), usage)
        elif capture and kind == "content_block_start":
            blocks[get(event, "index")] = _Block(get(event, "content_block"))
        elif capture and kind == "content_block_delta":
            block = blocks.get(get(event, "index"))
            delta = get(event, "delta")
            field = _DELTA_TEXT.get(get(delta, "type"))
            if block is not None and field is not None:
                block.texts.append(get(delta, field) or "")
    if stop_reason:
        invocation.finish_reasons = [stop_reason]
    if usage:
        read_usage(invocation, usage)
    if capture and (blocks or stop_reason):
        invocation.output_messages = _output_message(
            [blocks[index].part() for index in sorted(blocks)], stop_reason
        )


# -- where the texts sit: content capture and guardrails -------------------------------------------
# Guardrails check the user's turns and tool results; ``system`` (the app's own instructions) and the
# assistant's earlier turns are not checked. Out: the text blocks. Streamed text ends with a
# ``content_block_stop`` event, which has no text: :func:`tails` inserts an empty ``text_delta`` of the
# block before it, into which the held-back tail is released.

CONTENT = Content({"text": "text"}, checked=frozenset({"text"}), nested={"tool_result": ("content",)})
MESSAGES = Messages(CONTENT, frozenset({"user"}))


def _text_blocks(message: Any) -> list[Any]:
    if not isinstance(message, dict) and hasattr(message, "parse"):
        return []  # a raw response wrapper: checked when the app parses it (``_raw_responses``)
    return [block for block in get(message, "content") or () if get(block, "type") in CONTENT.checked]


def output_texts(message: Any) -> list[str]:
    return [CONTENT.text(block) or "" for block in _text_blocks(message)]


def set_output_texts(message: Any, texts: list[str]) -> None:
    for block, text in zip(_text_blocks(message), texts):
        set_field(block, "text", text)


def _text_delta(event: Any) -> Any:
    if get(event, "type") == "content_block_delta":
        delta = get(event, "delta")
        if get(delta, "type") == "text_delta":
            return delta
    return None


def chunk_texts(event: Any) -> list[tuple[int, str, bool]]:
    """A text delta's block is its channel; the delta inserted by :func:`tails` is the block's last."""
    delta = _text_delta(event)
    if delta is None:
        return []
    text = get(delta, "text")
    return [(get(event, "index"), text, isinstance(text, TailText))]


def set_chunk_text(event: Any, channel: int, text: str) -> None:
    set_field(get(event, "delta"), "text", text)


def tails() -> Tail:
    """Before each ``content_block_stop`` of a text block: a copy of its last delta with no text."""
    last_deltas: dict[int, Any] = {}

    def tail(event: Any) -> Any:
        if _text_delta(event) is not None:
            last_deltas[get(event, "index")] = event
        elif get(event, "type") == "content_block_stop":
            last = last_deltas.pop(get(event, "index"), None)
            if last is not None:
                return with_fields(last, delta=with_fields(get(last, "delta"), text=TailText()))
        return None

    return tail


TEXTS = TextMapping(
    MESSAGES.texts, MESSAGES.with_texts, output_texts, set_output_texts, chunk_texts, set_chunk_text, tails
)
