"""Cohere v2 chat texts, for guardrails: the user's turns and tool results in, the answer's text
items out. A tool result's ``document`` items are checked by the string values of their ``data``.
Not checked: the system message, assistant turns (tool plans, tool-call arguments) and the ``documents``
argument.

A streamed text item ends with a ``content-end`` event, which has no text: :func:`tails` inserts an
empty ``content-delta`` of the item before it, into which the held-back tail is released.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from otel_llm.telemetry.fields import get
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.texts import (
    Tail,
    TailText,
    json_strings,
    replace_texts,
    with_fields,
    with_json_strings,
)

_CHECKED_ROLES = frozenset({"user", "tool"})


def _item_texts(item: Any) -> list[str]:
    kind = get(item, "type")
    if kind == "text":
        return [get(item, "text")]
    return json_strings(get(get(item, "document"), "data")) if kind == "document" else []


def _with_item_texts(item: Any, texts: Iterator[str]) -> Any:
    kind = get(item, "type")
    if kind == "text":
        return with_fields(item, text=next(texts))
    if kind != "document":
        return item
    document = get(item, "document")
    return with_fields(
        item, document=with_fields(document, data=with_json_strings(get(document, "data"), texts))
    )


def _message_texts(message: Any) -> list[str]:
    if get(message, "role") not in _CHECKED_ROLES:
        return []
    content = get(message, "content")
    return [content] if isinstance(content, str) else [t for item in content or () for t in _item_texts(item)]


def _with_message_texts(message: Any, texts: Iterator[str]) -> Any:
    content = get(message, "content")
    if isinstance(content, str):
        return with_fields(message, content=next(texts))
    return with_fields(message, content=[_with_item_texts(item, texts) for item in content])


def input_texts(kwargs: dict[str, Any]) -> list[str]:
    return [text for message in kwargs.get("messages") or () for text in _message_texts(message)]


def with_input_texts(kwargs: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    return {
        **kwargs,
        "messages": replace_texts(kwargs["messages"], _message_texts, _with_message_texts, texts),
    }


def _text_items(response: Any) -> list[Any]:
    return [item for item in get(get(response, "message"), "content") or () if get(item, "type") == "text"]


def output_texts(response: Any) -> list[str]:
    return [item.text for item in _text_items(response)]


def set_output_texts(response: Any, texts: list[str]) -> None:
    for item, text in zip(_text_items(response), texts):
        item.text = text


def _delta_content(event: Any) -> Any:
    """The ``content`` (holding ``text``) of a ``content-delta`` event, else ``None``."""
    if get(event, "type") != "content-delta":
        return None
    return get(get(get(event, "delta"), "message"), "content")


def chunk_texts(event: Any) -> list[tuple[int, str, bool]]:
    """A content item is a channel; the delta inserted by :func:`tails` is its last."""
    content = _delta_content(event)
    if content is None:
        return []
    text = get(content, "text")
    return [(get(event, "index") or 0, text or "", isinstance(text, TailText))]


def set_chunk_text(event: Any, channel: int, text: str) -> None:
    _delta_content(event).text = text


def _empty_copy(event: Any) -> Any:
    """A copy of a ``content-delta`` event with an empty text (the event itself is not changed)."""
    delta = get(event, "delta")
    message = get(delta, "message")
    content = with_fields(get(message, "content"), text=TailText())
    return with_fields(
        event, delta=with_fields(delta, message=with_fields(message, content=content)), logprobs=None
    )


def tails() -> Tail:
    """Before each ``content-end`` of a text item: a copy of its last delta with no text."""
    last_deltas: dict[int, Any] = {}

    def tail(event: Any) -> Any:
        if _delta_content(event) is not None:
            last_deltas[get(event, "index") or 0] = event
        elif get(event, "type") == "content-end":
            last = last_deltas.pop(get(event, "index") or 0, None)
            if last is not None:
                return _empty_copy(last)
        return None

    return tail


TEXTS = TextMapping(
    input_texts,
    with_input_texts,
    output_texts,
    set_output_texts,
    chunk_texts,
    set_chunk_text,
    tails,
)
