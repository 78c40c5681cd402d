"""The OpenAI Responses format: request attributes, content, response and stream-event reading, and
guardrail texts (with the tails of streamed text parts)."""

from __future__ import annotations

from typing import Any

from otel_llm.formats.openai_chat import read_response_meta, read_usage, service_tier_attributes
from otel_llm.semconv import attributes as A
from otel_llm.telemetry import content
from otel_llm.telemetry.fields import copy_given, get, given, request_parameters
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.invocation import Invocation
from otel_llm.telemetry.text_locations import Content, Messages
from otel_llm.telemetry.texts import Tail, TailText, with_fields

_PARAMS = request_parameters("temperature", "top_p", max_output_tokens="max_tokens")
_FINISHED_EVENTS = ("response.completed", "response.incomplete", "response.failed")


def request_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    attributes = copy_given(kwargs, _PARAMS)
    text = kwargs.get("text")
    if given(text):
        kind = get(get(text, "format"), "type")
        if kind in ("json_schema", "json_object"):
            attributes[A.GEN_AI_OUTPUT_TYPE] = A.GenAiOutputTypeValues.JSON
        elif kind == "text":
            attributes[A.GEN_AI_OUTPUT_TYPE] = A.GenAiOutputTypeValues.TEXT
    service_tier_attributes(kwargs, attributes)
    attributes[A.OPENAI_API_TYPE] = A.OpenaiApiTypeValues.RESPONSES
    conversation = kwargs.get("conversation")
    if given(conversation):
        attributes[A.GEN_AI_CONVERSATION_ID] = (
            conversation if isinstance(conversation, str) else get(conversation, "id")
        )
    return attributes


def input_content(kwargs: dict[str, Any]) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]] | None]:
    """The request's instructions (as system instructions), input items and tools."""
    instructions = kwargs.get("instructions")
    system = [content.text_part(instructions)] if given(instructions) else None
    return system, input_messages(kwargs.get("input")), _tool_definitions(kwargs)


def input_messages(items: Any) -> list[dict[str, Any]]:
    if not given(items):
        return []
    if isinstance(items, str):
        return [{"role": "user", "parts": [content.text_part(items)]}]
    messages = []
    for item in items:
        kind = get(item, "type", "message")
        if kind == "function_call":
            part = content.tool_call_part(
                get(item, "call_id"), get(item, "name"), content.parse_json_or_text(get(item, "arguments"))
            )
            messages.append({"role": "assistant", "parts": [part]})
        elif kind == "function_call_output":
            messages.append(
                {
                    "role": "tool",
                    "parts": [content.tool_response_part(get(item, "call_id"), get(item, "output"))],
                }
            )
        elif kind == "message":
            messages.append({"role": get(item, "role"), "parts": INPUT.parts(get(item, "content"))})
        else:
            messages.append({"role": "user", "parts": [{"type": str(kind)}]})
    return messages


def _tool_definitions(kwargs: dict[str, Any]) -> list[dict[str, Any]] | None:
    tools = kwargs.get("tools")
    if not given(tools):
        return None
    return [{"type": get(tool, "type"), "name": get(tool, "name") or get(tool, "type")} for tool in tools]


def _finish_reason(response: Any, has_tool_call: bool) -> str:
    if get(response, "status") == "incomplete":
        details = get(response, "incomplete_details")
        return "length" if get(details, "reason") == "max_output_tokens" else "content_filter"
    if get(response, "status") == "failed":
        return "error"
    return "tool_call" if has_tool_call else "stop"


def on_response(invocation: Invocation, response: Any) -> None:
    output = get(response, "output")
    if output is None:  # a raw/legacy response wrapper: nothing parsed to read
        return
    read_response_meta(invocation, response)
    read_usage(invocation, get(response, "usage"), "input_tokens", "output_tokens")
    parts: list[dict[str, Any]] = []
    has_tool_call = False
    for item in output:
        kind = get(item, "type")
        if kind == "function_call":
            has_tool_call = True
            if invocation.capture:
                parts.append(
                    content.tool_call_part(
                        get(item, "call_id"),
                        get(item, "name"),
                        content.parse_json_or_text(get(item, "arguments")),
                    )
                )
        elif kind == "message" and invocation.capture:
            for piece in get(item, "content") or ():
                text = OUTPUT.text(piece)
                if text is not None:
                    parts.append(content.text_part(text))
        elif kind == "reasoning" and invocation.capture:
            summary = " ".join(get(s, "text", "") for s in get(item, "summary") or ())
            if summary:
                parts.append({"type": "reasoning", "content": summary})
    finish_reason = _finish_reason(response, has_tool_call)
    invocation.finish_reasons = [finish_reason]
    if invocation.capture:
        invocation.output_messages = [{"role": "assistant", "parts": parts, "finish_reason": finish_reason}]


def stream_window(invocation: Invocation) -> int:
    """``finish_stream`` reads only the first (created) and the last (completed) events."""
    return 1


def finish_stream(invocation: Invocation, events: list[Any]) -> None:
    """The final ``response.completed`` (or incomplete/failed) event carries the whole response."""
    for event in reversed(events):
        if get(event, "type") in _FINISHED_EVENTS:
            on_response(invocation, get(event, "response"))
            return
    for event in events:  # cut short: at least the id and model from response.created
        if get(event, "type") == "response.created":
            read_response_meta(invocation, get(event, "response"))
            return


# -- where the texts sit: content capture and guardrails -------------------------------------------
# Checked: the user's messages and function-call outputs (``input_text`` parts or plain strings); not
# the app's ``instructions`` nor system/developer/assistant items. Out: the ``output_text`` parts
# (content capture records refusals as text too).

INPUT = Content(
    {"input_text": "text", "output_text": "text", "text": "text", "refusal": "refusal"},
    checked=frozenset({"input_text"}),
)
OUTPUT = Content({"output_text": "text", "refusal": "refusal"}, checked=frozenset({"output_text"}))
MESSAGES = Messages(INPUT, frozenset({"user"}), key="input", items={"function_call_output": "output"})


def _message_parts(items: Any) -> dict[tuple[str, int], Any]:
    """The ``output_text`` parts of output message items, by ``(item id, content index)``."""
    return {
        (get(item, "id"), index): part
        for item in items or ()
        for index, part in enumerate(get(item, "content") or ())
        if get(item, "type") == "message" and get(part, "type") in OUTPUT.checked
    }


def output_texts(response: Any) -> list[str]:
    return [part.text for part in _message_parts(get(response, "output")).values()]


def set_output_texts(response: Any, texts: list[str]) -> None:
    for part, text in zip(_message_parts(get(response, "output")).values(), texts):
        part.text = text


# A streamed text part ends with ``response.output_text.done``, which has no delta: :func:`tails` puts
# an empty delta of the part before it, for the held-back tail, and writes the filtered text into the
# events that repeat the whole text (``output_text.done``, ``content_part.done``, ``output_item.done``
# and the final response). A server that sends no ``output_text.done`` gets the empty delta before its
# final response event (for one open part: the tails of any others are dropped, never released unchecked).

_DELTA = "response.output_text.delta"
_PARTS = 1 << 16  # a part's channel: output_index * _PARTS + content_index


class _PartEnd(TailText):
    """The empty delta inserted to end a part. The part's released tail goes into it and is appended
    to the text of ``holders``: the parts in the held event that repeat the whole text."""

    holders: list[Any]


def chunk_texts(event: Any) -> list[tuple[int, str, bool]]:
    if get(event, "type") != _DELTA:
        return []
    return [
        (event.output_index * _PARTS + event.content_index, event.delta, isinstance(event.delta, TailText))
    ]


def set_chunk_text(event: Any, channel: int, text: str) -> None:
    holders = getattr(event.delta, "holders", ())
    event.delta = text
    for holder in holders:
        holder.text += text


def tails() -> Tail:
    """Per stream: the delta events of each part, which the guard filters in place as the app reads."""
    deltas: dict[tuple[str, int], list[Any]] = {}
    open_parts: list[tuple[str, int]] = []

    def released(key: tuple[str, int]) -> str:
        return "".join(event.delta for event in deltas[key])

    def rewrite(parts: dict[tuple[str, int], Any]) -> None:
        for key, part in parts.items():
            if key in deltas:
                part.text = released(key)

    def end(key: tuple[str, int], holders: list[Any]) -> Any:
        """The empty delta ending a part; its holders have the text released so far."""
        open_parts.remove(key)
        marker = _PartEnd()
        marker.holders = holders
        inserted = with_fields(deltas[key][-1], delta=marker, logprobs=[])
        deltas[key].append(inserted)
        return inserted

    def tail(event: Any) -> Any:
        kind = get(event, "type")
        key = (get(event, "item_id"), get(event, "content_index"))
        if kind == _DELTA:
            if key not in deltas:
                deltas[key] = []
                open_parts.append(key)
            deltas[key].append(event)
        elif kind == "response.output_text.done" and key in open_parts:
            event.text = released(key)
            return end(key, [event])
        elif kind == "response.content_part.done":
            rewrite({key: event.part} if get(event.part, "type") == "output_text" else {})
        elif kind == "response.output_item.done":
            rewrite(_message_parts([event.item]))
        elif kind in _FINISHED_EVENTS:
            parts = _message_parts(get(get(event, "response"), "output"))
            rewrite(parts)
            if open_parts:  # no output_text.done was sent
                key = open_parts[0]
                return end(key, [parts[key]] if key in parts else [])
        return None

    return tail


TEXTS = TextMapping(
    MESSAGES.texts, MESSAGES.with_texts, output_texts, set_output_texts, chunk_texts, set_chunk_text, tails
)
