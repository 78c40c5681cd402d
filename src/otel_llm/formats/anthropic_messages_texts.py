"""Anthropic Messages texts, for guardrails: the user's turns and tool results in, text blocks out.

Shared by the ``anthropic`` SDK (its models, or the dicts users pass) and Bedrock's Anthropic bodies
(plain JSON), so every reader goes through ``get``. ``system`` (the app's own instructions) and the
assistant's earlier turns are not checked.

Streamed text ends with a ``content_block_stop`` event, which has no text: :func:`tails` inserts an
empty ``text_delta`` of the block before it, into which the held-back tail is released.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from otel_llm.telemetry.fields import get
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.texts import (
    Tail,
    TailText,
    replace_texts,
    set_field,
    with_fields,
)


def _block_texts(block: Any) -> list[str]:
    kind = get(block, "type")
    if kind == "text":
        return [get(block, "text")]
    if kind == "tool_result":
        return content_texts(get(block, "content"))
    return []


def content_texts(value: Any) -> list[str]:
    """The texts of a message's content: a string, or text and tool-result blocks."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [text for block in value for text in _block_texts(block)]


def _with_block_texts(block: Any, texts: Iterator[str]) -> Any:
    kind = get(block, "type")
    if kind == "text":
        return with_fields(block, text=next(texts))
    if kind == "tool_result" and get(block, "content") is not None:
        return with_fields(block, content=with_content_texts(get(block, "content"), texts))
    return block


def with_content_texts(value: Any, texts: Iterator[str]) -> Any:
    if isinstance(value, str):
        return next(texts)
    return [_with_block_texts(block, texts) for block in value]


def _message_texts(message: Any) -> list[str]:
    return content_texts(get(message, "content")) if get(message, "role") == "user" else []


def _with_message_texts(message: Any, texts: Iterator[str]) -> Any:
    return with_fields(message, content=with_content_texts(get(message, "content"), texts))


def input_texts(body: dict[str, Any]) -> list[str]:
    return [text for message in body.get("messages") or () for text in _message_texts(message)]


def with_input_texts(body: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    return {**body, "messages": replace_texts(body["messages"], _message_texts, _with_message_texts, texts)}


def _text_blocks(message: Any) -> list[Any]:
    if not isinstance(message, dict) and hasattr(message, "parse"):
        return []  # a raw response wrapper: checked when the app parses it (``_raw_responses``)
    return [block for block in get(message, "content") or () if get(block, "type") == "text"]


def output_texts(message: Any) -> list[str]:
    return [get(block, "text") for block in _text_blocks(message)]


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
    input_texts, with_input_texts, output_texts, set_output_texts, chunk_texts, set_chunk_text, tails
)
