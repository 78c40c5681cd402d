"""One description of where a wire format keeps its texts, read by content capture and guardrails alike.

A format describes, once:

- :class:`Content`: a content value, a string or a list of parts whose kind (``type``, or the field a
  part sets) names the field that holds the part's text (``{"text": "text", "refusal": "refusal"}``),
  which of those kinds guardrails check, and which kinds hold nested content (tool results) or a JSON
  value whose strings are checked (documents);
- :class:`Messages`: where a request keeps its messages, their role and content fields, and the roles
  whose texts guardrails check (the user's turns and tool results, not the app's own instructions);
- :class:`Fields`: or the request's top-level prompt fields;
- :class:`Answers`: where a response and a stream chunk keep the answer text, per choice (channel).

Content capture builds its message parts with :meth:`Content.parts` and reads answers with
:meth:`Answers.text`; :func:`text_mapping` makes the guardrails' :class:`TextMapping` of the same
description. Parts that carry no text (images, tool calls) stay the format's own, through the ``other``
callback of :meth:`Content.parts`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from otel_llm.telemetry import content
from otel_llm.telemetry.fields import get
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.texts import json_strings, replace_texts, set_field, with_fields, with_json_strings

Part = dict[str, Any]
Copy = Callable[..., Any]
"""``copy(item, **fields)``: a copy of a request item with ``fields`` replaced (default ``with_fields``)."""


def _opaque(part: Any) -> Part:
    return {"type": str(get(part, "type"))}


Path = tuple[str, ...]
"""Fields, outermost first, from a part to a value inside it (``("toolResult", "content")``)."""


def _at(item: Any, path: Path) -> Any:
    for name in path:
        item = get(item, name)
    return item


def _with_at(copy: Copy, item: Any, path: Path, value: Any) -> Any:
    """A copy of ``item`` with the value at ``path`` replaced (the items on the way copied too)."""
    inner = value if len(path) == 1 else _with_at(copy, get(item, path[0]), path[1:], value)
    return copy(item, **{path[0]: inner})


@dataclass(frozen=True, slots=True)
class Content:
    """A content value: a string, or a list of parts whose ``kind`` field (``None``: the part's one key,
    as in Bedrock's ``{"text": ...}`` blocks) says where the text is."""

    text_fields: Mapping[str, str]
    """A text part's kind -> the field holding its text (content capture records these as text)."""
    checked: frozenset[str]
    """The kinds whose texts guardrails check (a subset of ``text_fields``)."""
    nested: Mapping[str, Path] = dataclasses.field(default_factory=dict)
    """A kind -> where nested content of this description is, checked too (tool results)."""
    json: Mapping[str, Path] = dataclasses.field(default_factory=dict)
    """A kind -> where a JSON value is, whose string leaves are checked (tool results' documents)."""
    kind: str | None = "type"
    skip: str | None = None
    """With no ``kind`` field: a part with this field set has no checked text (Gemini's thoughts)."""
    copy: Copy = with_fields

    def kind_of(self, part: Any) -> Any:
        """The part's kind; with no ``kind`` field, the first known kind whose field is set (a text
        kind's to a string), ``None`` for a ``skip`` part (a thought)."""
        if self.kind is not None:
            return get(part, self.kind)
        if self.skip is not None and get(part, self.skip):
            return None
        for key in self.text_fields:
            if isinstance(get(part, key), str):
                return key
        return next(
            (key for kinds in (self.nested, self.json) for key in kinds if get(part, key) is not None), None
        )

    def text(self, part: Any) -> str | None:
        """The text of a text part (``""`` when its field is missing), ``None`` for any other part."""
        name = self.text_fields.get(self.kind_of(part))
        return None if name is None else get(part, name, "")

    def parts(self, value: Any, other: Callable[[Any], Part | None] = _opaque) -> list[Part]:
        """Content capture: the message parts of ``value``; a part with no text is ``other(part)``
        (left out if that is ``None``)."""
        if value is None:
            return []
        if isinstance(value, str):
            return [content.text_part(value)]
        fields, kind = self.text_fields, self.kind
        result = []
        for part in value:
            if isinstance(part, str):  # a string part is its text
                result.append(content.text_part(part))
                continue
            name = fields.get(get(part, kind) if kind is not None else self.kind_of(part))
            entry = other(part) if name is None else content.text_part(get(part, name, ""))
            if entry is not None:
                result.append(entry)
        return result

    def texts(self, value: Any) -> list[str]:
        """Guardrails: the checked texts of ``value``, in order."""
        if isinstance(value, str):
            return [value]
        result: list[str] = []
        checked, nested, json = self.checked, self.nested, self.json
        for part in value or ():
            if isinstance(part, str):  # a string part is its text
                result.append(part)
                continue
            kind = get(part, self.kind) if self.kind is not None else self.kind_of(part)
            if kind in checked:
                result.append(get(part, self.text_fields[kind]))
            elif kind in nested:
                result.extend(self.texts(_at(part, nested[kind])))
            elif kind in json:
                result.extend(json_strings(_at(part, json[kind])))
        return result

    def with_texts(self, value: Any, texts: Iterator[str]) -> Any:
        """A copy of ``value`` whose checked texts come from ``texts``, in :meth:`texts` order."""
        if isinstance(value, str):
            return next(texts)
        result = []
        for part in value:
            if isinstance(part, str):
                result.append(next(texts))
                continue
            kind = self.kind_of(part)
            if kind in self.checked:
                part = self.copy(part, **{self.text_fields[kind]: next(texts)})
            elif kind in self.nested:
                inner = _at(part, self.nested[kind])
                if inner is not None:
                    part = _with_at(self.copy, part, self.nested[kind], self.with_texts(inner, texts))
            elif kind in self.json:
                inner = with_json_strings(_at(part, self.json[kind]), texts)
                part = _with_at(self.copy, part, self.json[kind], inner)
            result.append(part)
        return result


@dataclass(frozen=True, slots=True)
class Messages:
    """Where a request keeps its messages (a string is the user's one message); guardrails check the
    content of ``checked_roles``, and of the other item kinds in ``items`` (kind -> content field)."""

    content: Content
    checked_roles: frozenset[str]
    key: str = "messages"
    role: str = "role"
    field: str = "content"
    items: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Item kinds (their ``type``) that are no message -> the field of their checked content."""
    copy: Copy = with_fields

    def _field(self, item: Any) -> str | None:
        """The field of an item whose texts are checked, if any."""
        if self.items:
            kind = get(item, "type") or "message"
            if kind != "message":
                return self.items.get(kind)
        return self.field if get(item, self.role) in self.checked_roles else None

    def message_texts(self, message: Any) -> list[str]:
        name = self._field(message)
        return self.content.texts(get(message, name)) if name else []

    def _with_message_texts(self, message: Any, texts: Iterator[str]) -> Any:
        name = self._field(message) or self.field  # only items with texts are written
        return self.copy(message, **{name: self.content.with_texts(get(message, name), texts)})

    def texts(self, kwargs: dict[str, Any]) -> list[str]:
        messages = kwargs.get(self.key)
        if isinstance(messages, str):
            return [messages]
        return [text for message in messages or () for text in self.message_texts(message)]

    def with_texts(self, kwargs: dict[str, Any], texts: list[str]) -> dict[str, Any]:
        messages = kwargs[self.key]
        if isinstance(messages, str):
            return {**kwargs, self.key: texts[0]}
        written = replace_texts(messages, self.message_texts, self._with_message_texts, texts)
        return {**kwargs, self.key: written}


@dataclass(frozen=True, slots=True)
class Fields:
    """A request whose checked texts are top-level string fields (a prompt): those given (and, with
    ``skip_empty``, not empty)."""

    names: tuple[str, ...]
    skip_empty: bool = True

    def _given(self, kwargs: dict[str, Any]) -> list[str]:
        return [
            name
            for name in self.names
            if isinstance(kwargs.get(name), str) and (kwargs[name] or not self.skip_empty)
        ]

    def texts(self, kwargs: dict[str, Any]) -> list[str]:
        return [kwargs[name] for name in self._given(kwargs)]

    def with_texts(self, kwargs: dict[str, Any], texts: list[str]) -> dict[str, Any]:
        return {**kwargs, **dict(zip(self._given(kwargs), texts))}


def _no_text(text: str) -> Any:
    raise AttributeError("the chunk's choice has no delta to write its text into")


@dataclass(frozen=True, slots=True)
class Answers:
    """Where a response and a stream chunk keep the answer: ``choices`` (``chunk_choices`` in a chunk;
    ``None``: the response, or chunk, is its one choice, channel 0), each choice's ``message`` (``delta``
    in a chunk; ``None``: the choice itself), whose ``field`` is the text, or a list of parts (``parts``:
    the first text part takes a written text, the others are emptied). A choice's channel is its
    ``index`` (``None``: its position); ``end`` is set (not ``None`` nor ``False``) on a channel's last
    chunk. ``event`` is the field of a stream event that holds the chunk, if the stream wraps chunks."""

    field: str = "content"
    choices: str | None = "choices"
    chunk_choices: str | None = "choices"
    message: str | None = "message"
    delta: str | None = "delta"
    index: str | None = "index"
    end: str = "finish_reason"
    event: str | None = None
    parts: Content | None = None
    new_holder: Callable[[str], Any] = _no_text
    """Makes the holder (delta) of a chunk's choice that has none, given the text to write."""
    fill_empty: bool = False
    """Whether a checked text is written into an answer whose content is ``None`` (else it is kept)."""

    def _listed(self, response: Any, key: str | None) -> Any:
        return (get(response, key) or ()) if key else (response,)

    def _holder(self, choice: Any, name: str | None) -> Any:
        return get(choice, name) if name else choice

    def value(self, choice: Any, stream: bool = False) -> Any:
        """The raw content of a choice (a response's, or a chunk's with ``stream``)."""
        return get(self._holder(choice, self.delta if stream else self.message), self.field)

    def text(self, value: Any) -> str:
        """The answer text of a content value: its string, or its text parts joined; ``""`` if none."""
        if isinstance(value, list) and self.parts is not None:
            checked = self.parts.checked
            kind_of = self.parts.kind_of
            return "".join(self.parts.text(part) or "" for part in value if kind_of(part) in checked)
        return value if isinstance(value, str) else ""

    def _write(self, holder: Any, text: str) -> None:
        value = get(holder, self.field)
        if isinstance(value, list) and self.parts is not None:
            parts = self.parts
            texts = [part for part in value if parts.kind_of(part) in parts.checked]
            if texts:
                set_field(texts[0], parts.text_fields[parts.kind_of(texts[0])], text)
                for part in texts[1:]:
                    set_field(part, parts.text_fields[parts.kind_of(part)], "")
                return
        set_field(holder, self.field, text)

    def output_texts(self, response: Any) -> list[str]:
        return [self.text(self.value(choice)) for choice in self._listed(response, self.choices)]

    def set_output_texts(self, response: Any, texts: list[str]) -> None:
        for choice, text in zip(self._listed(response, self.choices), texts):
            holder = self._holder(choice, self.message)
            value = get(holder, self.field)
            if (value is not None or self.fill_empty) and text != self.text(value):
                self._write(holder, text)

    def _chunk_channels(self, chunk: Any) -> list[tuple[int, Any]]:
        choices = self._listed(get(chunk, self.event) if self.event else chunk, self.chunk_choices)
        if self.index is None or self.chunk_choices is None:  # by position (the one choice: 0)
            return list(enumerate(choices))
        return [(get(choice, self.index), choice) for choice in choices]

    def chunk_texts(self, chunk: Any) -> list[tuple[int, str, bool]]:
        return [
            (channel, self.text(self.value(choice, True)), get(choice, self.end) not in (None, False))
            for channel, choice in self._chunk_channels(chunk)
        ]

    def set_chunk_text(self, chunk: Any, channel: int, text: str) -> None:
        for number, choice in self._chunk_channels(chunk):
            if number == channel:
                holder = self._holder(choice, self.delta)
                if holder is None:  # a last chunk with only a finish reason: a new delta carries the tail
                    set_field(choice, self.delta or self.field, self.new_holder(text))
                else:
                    self._write(holder, text)


def text_mapping(request: Messages | Fields, answers: Answers) -> TextMapping:
    """The guardrails' mapping of a format whose texts are described by ``request`` and ``answers``."""
    return TextMapping(
        request.texts,
        request.with_texts,
        answers.output_texts,
        answers.set_output_texts,
        answers.chunk_texts,
        answers.set_chunk_text,
    )
