"""The Bedrock Converse format: ``converse``/``converse_stream`` and Amazon Nova bodies.

Nova's ``invoke_model`` bodies use the same messages, content blocks and stream events as Converse, with
their own inference-config names and usage keys; both are read here.
"""

from __future__ import annotations

import base64
from typing import Any

from otel_llm.telemetry import content
from otel_llm.telemetry.fields import Parameters, copy_given, request_parameters
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.invocation import Invocation
from otel_llm.telemetry.text_locations import Content, Messages
from otel_llm.telemetry.texts import Tail, TailText

CONVERSE_PARAMS = request_parameters(
    "temperature", maxTokens="max_tokens", topP="top_p", stopSequences="stop_sequences"
)
NOVA_PARAMS = request_parameters(
    "temperature", "top_p", "top_k", max_new_tokens="max_tokens", stopSequences="stop_sequences"
)


def request_attributes(body: dict[str, Any], params: Parameters = CONVERSE_PARAMS) -> dict[str, Any]:
    return copy_given(body.get("inferenceConfig") or {}, params)


# -- content ------------------------------------------------------------------------------------


def _image_part(image: dict[str, Any]) -> dict[str, Any]:
    data = (image.get("source") or {}).get("bytes")
    if isinstance(data, bytes | bytearray):  # boto3 takes raw bytes; JSON bodies carry base64 text
        data = base64.b64encode(data).decode()
    return {"type": "blob", "modality": "image", "mime_type": f"image/{image.get('format')}", "content": data}


def block_part(block: dict[str, Any]) -> dict[str, Any] | None:
    """A block with no text (tool use and result, reasoning, image) as a message part."""
    if "toolUse" in block:
        use = block["toolUse"]
        return content.tool_call_part(use.get("toolUseId"), use.get("name"), use.get("input"))
    if "toolResult" in block:
        result = block["toolResult"]
        return content.tool_response_part(result.get("toolUseId"), result.get("content"))
    if "reasoningContent" in block:
        return {
            "type": "reasoning",
            "content": (block["reasoningContent"].get("reasoningText") or {}).get("text", ""),
        }
    if "image" in block:
        return _image_part(block["image"])
    if "cachePoint" in block:
        return None  # a cache marker, not content
    return {"type": next(iter(block), "unknown")}


def parts(blocks: Any) -> list[dict[str, Any]]:
    return CONTENT.parts(blocks or (), block_part)


def input_content(body: dict[str, Any]) -> tuple[Any, Any, Any]:
    system = parts(body.get("system"))
    messages = [
        {"role": message.get("role"), "parts": parts(message.get("content"))} for message in body["messages"]
    ]
    tools = (body.get("toolConfig") or {}).get("tools")
    definitions = None
    if tools:
        definitions = [
            {"type": "function", "name": tool["toolSpec"].get("name")} for tool in tools if "toolSpec" in tool
        ]
    return system or None, messages, definitions


# -- response -----------------------------------------------------------------------------------


def read_usage(invocation: Invocation, usage: dict[str, Any] | None) -> None:
    """Bedrock counts cached input apart; the conventions' input tokens include cache reads and writes."""
    if not usage:
        return
    read = usage.get("cacheReadInputTokens", usage.get("cacheReadInputTokenCount"))
    written = usage.get("cacheWriteInputTokens", usage.get("cacheWriteInputTokenCount"))
    if usage.get("inputTokens") is not None:
        invocation.input_tokens = usage["inputTokens"] + (read or 0) + (written or 0)
    invocation.output_tokens = usage.get("outputTokens")
    invocation.cache_read_tokens = read
    invocation.cache_creation_tokens = written


def _output(invocation: Invocation, message_parts: list[dict[str, Any]], stop_reason: str | None) -> None:
    invocation.output_messages = [
        {"role": "assistant", "parts": message_parts, "finish_reason": stop_reason or ""}
    ]


def read_response(invocation: Invocation, response: dict[str, Any]) -> None:
    """A Converse response, or a Nova ``invoke_model`` response body."""
    stop_reason = response.get("stopReason")
    if stop_reason:
        invocation.finish_reasons = [stop_reason]
    read_usage(invocation, response.get("usage"))
    if invocation.capture:
        message = (response.get("output") or {}).get("message") or {}
        _output(invocation, parts(message.get("content")), stop_reason)


def _delta_part(start: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    joined = "".join(texts)
    if "toolUse" in start:
        use = start["toolUse"]
        return content.tool_call_part(
            use.get("toolUseId"), use.get("name"), content.parse_json_or_text(joined)
        )
    if start.get("reasoning"):
        return {"type": "reasoning", "content": joined}
    return content.text_part(joined)


def read_events(invocation: Invocation, events: list[dict[str, Any]]) -> None:
    """ConverseStream events, or Nova ``invoke_model_with_response_stream`` chunks (decoded)."""
    stop_reason = None
    starts: dict[int, dict[str, Any]] = {}
    texts: dict[int, list[str]] = {}
    capture = invocation.capture
    for event in events:
        if "messageStop" in event:
            stop_reason = event["messageStop"].get("stopReason")
        if "metadata" in event:
            read_usage(invocation, event["metadata"].get("usage"))
        if not capture:
            continue
        if "contentBlockStart" in event:
            block = event["contentBlockStart"]
            starts[block.get("contentBlockIndex", 0)] = block.get("start") or {}
        elif "contentBlockDelta" in event:
            block = event["contentBlockDelta"]
            index = block.get("contentBlockIndex", 0)
            delta = block.get("delta") or {}
            if "reasoningContent" in delta:
                starts.setdefault(index, {"reasoning": True})
                texts.setdefault(index, []).append(delta["reasoningContent"].get("text", ""))
            else:
                text = delta.get("text", (delta.get("toolUse") or {}).get("input", ""))
                texts.setdefault(index, []).append(text)
    if stop_reason:
        invocation.finish_reasons = [stop_reason]
    if capture and (texts or stop_reason):
        indexes = sorted(set(starts) | set(texts))
        _output(invocation, [_delta_part(starts.get(i, {}), texts.get(i, [])) for i in indexes], stop_reason)


# -- where the texts sit: content capture and guardrails -------------------------------------------
# The user's turns (text, and tool results' text and JSON strings) in; the assistant's text blocks
# out. ``system`` (the app's own) and the assistant's earlier turns are not checked. A streamed text
# block ends with a ``contentBlockStop`` event, which has no text: ``tails`` inserts an empty delta.

CONTENT = Content(
    {"text": "text"},
    checked=frozenset({"text"}),
    nested={"toolResult": ("toolResult", "content")},
    json={"json": ("json",)},
    kind=None,
)
MESSAGES = Messages(CONTENT, frozenset({"user"}))


def _text_blocks(response: dict[str, Any]) -> list[dict[str, Any]]:
    message = (response.get("output") or {}).get("message") or {}
    return [block for block in message.get("content") or () if CONTENT.kind_of(block) in CONTENT.checked]


def output_texts(response: dict[str, Any]) -> list[str]:
    return [block["text"] for block in _text_blocks(response)]


def set_output_texts(response: dict[str, Any], texts: list[str]) -> None:
    for block, text in zip(_text_blocks(response), texts):
        block["text"] = text


def _text_delta(event: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    block = event.get("contentBlockDelta")
    delta = (block or {}).get("delta") or {}
    return (block.get("contentBlockIndex", 0), delta) if block is not None and "text" in delta else None


def chunk_texts(event: dict[str, Any]) -> list[tuple[int, str, bool]]:
    found = _text_delta(event)
    if found is None:
        return []
    index, delta = found
    return [(index, delta["text"], isinstance(delta["text"], TailText))]


def set_chunk_text(event: dict[str, Any], channel: int, text: str) -> None:
    event["contentBlockDelta"]["delta"]["text"] = text


def tails() -> Tail:
    open_blocks: set[int] = set()

    def tail(event: dict[str, Any]) -> dict[str, Any] | None:
        found = _text_delta(event)
        if found is not None:
            open_blocks.add(found[0])
        elif "contentBlockStop" in event:
            index = event["contentBlockStop"].get("contentBlockIndex", 0)
            if index in open_blocks:
                open_blocks.discard(index)
                return {"contentBlockDelta": {"delta": {"text": TailText()}, "contentBlockIndex": index}}
        return None

    return tail


TEXTS = TextMapping(
    MESSAGES.texts, MESSAGES.with_texts, output_texts, set_output_texts, chunk_texts, set_chunk_text, tails
)
