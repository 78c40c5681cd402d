"""Helpers for the guardrail text mappings of providers: copy-on-write of request items, and event
streams whose channels end with an event that carries no text.

A :class:`~otel_llm.telemetry.guarding.ChunkGuard` releases a channel's held-back text into the
channel's last chunk. Where that chunk has no text (Anthropic's ``content_block_stop``, Bedrock's
``contentBlockStop``), :func:`tailed` puts an empty text event for the channel right before it. That
event's text is a :class:`TailText`, which the mapping reports as the channel's last; the guard writes
the released tail into it, so the app reads the whole filtered text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import wrapt

from otel_llm.telemetry.guarding import TextMapping


class TailText(str):
    """The empty text of an event inserted to end a channel."""

    __slots__ = ()


Tail = Callable[[Any], Any]
"""Per stream: given the next event, the event to insert before it, or ``None``."""


def set_field(item: Any, key: str, value: Any) -> None:
    """Set a field of a dict or of an SDK object, in place (for the SDK's own response objects)."""
    if isinstance(item, dict):
        item[key] = value
    else:
        setattr(item, key, value)


def with_fields(item: Any, **fields: Any) -> Any:
    """A copy of a dict or SDK (pydantic) model with ``fields`` replaced; the item is not mutated."""
    if isinstance(item, dict):
        return {**item, **fields}
    return item.model_copy(update=fields)


def replace_texts(
    items: Sequence[Any],
    read: Callable[[Any], list[str]],
    write: Callable[[Any, Iterator[str]], Any],
    texts: list[str],
) -> list[Any]:
    """``items`` with their texts replaced, in order: ``read(item)`` lists an item's texts and
    ``write(item, texts)`` copies it, taking its new texts from the iterator. Unchanged items are kept."""
    result, position = [], 0
    for item in items:
        old = read(item)
        new = texts[position : position + len(old)]
        position += len(old)
        result.append(item if new == old else write(item, iter(new)))
    return result


def json_strings(value: Any) -> list[str]:
    """The string leaves of a JSON-like value (a tool result), depth first."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in json_strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in json_strings(item)]
    return []


def with_json_strings(value: Any, texts: Iterator[str]) -> Any:
    """A copy of ``value`` whose string leaves come from ``texts``, in :func:`json_strings` order."""
    if isinstance(value, str):
        return next(texts)
    if isinstance(value, dict):
        return {key: with_json_strings(item, texts) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [with_json_strings(item, texts) for item in value]
    return value


class TailedStream(wrapt.ObjectProxy):
    """A sync event stream with the tail events inserted; the stream's other attributes are its own."""

    def __init__(self, stream: Any, tail: Tail) -> None:
        super().__init__(stream)
        self._self_tail = tail
        self._self_held: Any = None  # the event that follows an inserted one

    def _self_step(self, event: Any) -> Any:
        inserted = self._self_tail(event)
        if inserted is None:
            return event
        self._self_held = event
        return inserted

    def _self_pop(self) -> Any:
        held, self._self_held = self._self_held, None
        return held

    def __iter__(self) -> TailedStream:
        return self

    def __next__(self) -> Any:
        held = self._self_pop()
        return held if held is not None else self._self_step(next(self.__wrapped__))


class AsyncTailedStream(TailedStream):
    """The async form of :class:`TailedStream`."""

    def __aiter__(self) -> AsyncTailedStream:
        return self

    async def __anext__(self) -> Any:
        held = self._self_pop()
        return held if held is not None else self._self_step(await self.__wrapped__.__anext__())


def tailed(texts: TextMapping | None, stream: Any) -> Any:
    """``stream`` with tail events inserted, if its mapping needs them; else ``stream`` itself (also when
    it is no iterator, e.g. a raw response wrapper)."""
    tails = texts.tails if texts is not None else None
    if tails is None:
        return stream
    if hasattr(stream, "__anext__"):
        return AsyncTailedStream(stream, tails())
    return TailedStream(stream, tails()) if hasattr(stream, "__next__") else stream
