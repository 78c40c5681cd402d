"""``responses.create``: request, response and stream-event mapping."""

from __future__ import annotations

from typing import Any

from otel_llm.instrumentation.openai import _common
from otel_llm.instrumentation.openai._chat import _content_parts
from otel_llm.instrumentation.openai._common import get, given
from otel_llm.semconv import attributes as A
from otel_llm.telemetry import content
from otel_llm.telemetry.invocation import GenAITelemetry, Invocation

_PARAMS = (
    ("max_output_tokens", A.GEN_AI_REQUEST_MAX_TOKENS),
    ("temperature", A.GEN_AI_REQUEST_TEMPERATURE),
    ("top_p", A.GEN_AI_REQUEST_TOP_P),
)
_INPUT_PART_TYPES = {"input_text": "text", "output_text": "text"}
_FINISHED_EVENTS = ("response.completed", "response.incomplete", "response.failed")


def request_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    attributes = _common.copy_params(kwargs, _PARAMS)
    text = kwargs.get("text")
    if given(text):
        kind = get(get(text, "format"), "type")
        if kind in ("json_schema", "json_object"):
            attributes[A.GEN_AI_OUTPUT_TYPE] = A.GenAiOutputTypeValues.JSON
        elif kind == "text":
            attributes[A.GEN_AI_OUTPUT_TYPE] = A.GenAiOutputTypeValues.TEXT
    _common.service_tier_attributes(kwargs, attributes)
    attributes[A.OPENAI_API_TYPE] = A.OpenaiApiTypeValues.RESPONSES
    conversation = kwargs.get("conversation")
    if given(conversation):
        attributes[A.GEN_AI_CONVERSATION_ID] = (
            conversation if isinstance(conversation, str) else get(conversation, "id")
        )
    return attributes


def start(telemetry: GenAITelemetry, instance: Any, kwargs: dict[str, Any]) -> Invocation | None:
    invocation = _common.start(
        telemetry, instance, kwargs, A.GenAiOperationNameValues.CHAT, request_attributes(kwargs)
    )
    if invocation is not None and invocation.capture:
        instructions = kwargs.get("instructions")
        system = [content.text_part(instructions)] if given(instructions) else None
        invocation.input_content = (system, input_messages(kwargs.get("input")), _tool_definitions(kwargs))
    return invocation


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
            raw = get(item, "content")
            if isinstance(raw, str):
                parts = [content.text_part(raw)]
            else:
                normalized = [
                    {"type": _INPUT_PART_TYPES.get(get(p, "type"), get(p, "type")), "text": get(p, "text")}
                    for p in raw or ()
                ]
                parts = _content_parts(normalized)
            messages.append({"role": get(item, "role"), "parts": parts})
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
    _common.read_response_meta(invocation, response)
    _common.read_usage(invocation, get(response, "usage"), "input_tokens", "output_tokens")
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
                if get(piece, "type") == "output_text":
                    parts.append(content.text_part(get(piece, "text")))
                elif get(piece, "type") == "refusal":
                    parts.append(content.text_part(get(piece, "refusal")))
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
            _common.read_response_meta(invocation, get(event, "response"))
            return
