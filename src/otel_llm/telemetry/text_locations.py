"""One description of where a wire format keeps its texts, read by content capture and guardrails alike.

A format describes, once:

- :class:`Content`: a content value, a string or a list of parts whose ``type`` names the field that
  holds the part's text (``{"text": "text", "refusal": "refusal"}``), which of those kinds guardrails
  check, and which kinds hold nested content (tool results);
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

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from otel_llm.telemetry import content
from otel_llm.telemetry.fields import get
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.texts import replace_texts, set_field, with_fields

Part = dict[str, Any]
Copy = Callable[..., Any]
"""``copy(item, **fields)``: a copy of a request item with ``fields`` replaced (default ``with_fields``)."""


def _opaque(part: Any) -> Part:
    return {"type": str(get(part, "type"))}


@dataclass(frozen=True, slots=True)
class Content:
    """A content value: a string, or a list of parts whose ``kind`` field says where the text is."""

    text_fields: Mapping[str, str]
    """A text part's kind -> the field holding its text (content capture records these as text)."""
    checked: frozenset[str]
    """The kinds whose texts guardrails check (a subset of ``text_fields``)."""
    nested: Mapping[str, str] = field(default_factory=dict)
    """A kind -> the field holding nested content of this description, checked too (tool results)."""
    kind: str = "type"
    copy: Copy = with_fields

    def text(self, part: Any) -> str | None:
        """The text of a text part (``""`` when its field is missing), ``None`` for any other part."""
        name = self.text_fields.get(get(part, self.kind))
        return None if name is None else get(part, name, "")

    def parts(self, value: Any, other: Callable[[Any], Part] = _opaque) -> list[Part]:
        """Content capture: the message parts of ``value``; a part with no text is ``other(part)``."""
        if value is None:
            return []
        if isinstance(value, str):
            return [content.text_part(value)]
        result = []
        for part in value:
            text = self.text(part)
            result.append(other(part) if text is None else content.text_part(text))
        return result

    def texts(self, value: Any) -> list[str]:
        """Guardrails: the checked texts of ``value``, in order."""
        if isinstance(value, str):
            return [value]
        result: list[str] = []
        for part in value or ():
            kind = get(part, self.kind)
            if kind in self.checked:
                result.append(get(part, self.text_fields[kind]))
            elif kind in self.nested:
                result.extend(self.texts(get(part, self.nested[kind])))
        return result

    def with_texts(self, value: Any, texts: Iterator[str]) -> Any:
        """A copy of ``value`` whose checked texts come from ``texts``, in :meth:`texts` order."""
        if isinstance(value, str):
            return next(texts)
        result = []
        for part in value:
            kind = get(part, self.kind)
            if kind in self.checked:
                part = self.copy(part, **{self.text_fields[kind]: next(texts)})
            elif kind in self.nested and get(part, self.nested[kind]) is not None:
                name = self.nested[kind]
                part = self.copy(part, **{name: self.with_texts(get(part, name), texts)})
            result.append(part)
        return result


@dataclass(frozen=True, slots=True)
class Messages:
    """Where a request keeps its messages; guardrails check the content of ``checked_roles``."""

    content: Content
    checked_roles: frozenset[str]
    key: str = "messages"
    role: str = "role"
    field: str = "content"
    copy: Copy = with_fields

    def message_texts(self, message: Any) -> list[str]:
        if get(message, self.role) not in self.checked_roles:
            return []
        return self.content.texts(get(message, self.field))

    def _with_message_texts(self, message: Any, texts: Iterator[str]) -> Any:
        return self.copy(message, **{self.field: self.content.with_texts(get(message, self.field), texts)})

    def texts(self, kwargs: dict[str, Any]) -> list[str]:
        return [text for message in kwargs.get(self.key) or () for text in self.message_texts(message)]

    def with_texts(self, kwargs: dict[str, Any], texts: list[str]) -> dict[str, Any]:
        messages = replace_texts(kwargs[self.key], self.message_texts, self._with_message_texts, texts)
        return {**kwargs, self.key: messages}


@dataclass(frozen=True, slots=True)
class Fields:
    """A request whose checked texts are top-level string fields (a prompt), those given and not empty."""

    names: tuple[str, ...]

    def _given(self, kwargs: dict[str, Any]) -> list[str]:
        return [name for name in self.names if isinstance(kwargs.get(name), str) and kwargs[name]]

    def texts(self, kwargs: dict[str, Any]) -> list[str]:
        return [kwargs[name] for name in self._given(kwargs)]

    def with_texts(self, kwargs: dict[str, Any], texts: list[str]) -> dict[str, Any]:
        return {**kwargs, **dict(zip(self._given(kwargs), texts))}


def _no_text(holder: Any, name: str) -> Any:
    raise AttributeError(f"{type(holder).__name__} has no {name}")


@dataclass(frozen=True, slots=True)
class Answers:
    """Where a response and a chunk keep the answer: ``choices`` (``None``: the response is its one
    choice, channel 0), each choice's ``message`` (``delta`` in a chunk; ``None``: the choice itself),
    whose ``field`` is the text, or a list of parts (``parts``: the first text part takes a written
    text, the others are emptied). ``end`` is set on a channel's last chunk; ``event`` is the field of
    a stream event that holds the chunk, if the stream wraps its chunks."""

    field: str = "content"
    choices: str | None = "choices"
    message: str | None = "message"
    delta: str | None = "delta"
    index: str = "index"
    end: str = "finish_reason"
    event: str | None = None
    parts: Content | None = None
    new_holder: Callable[[str], Any] = _no_text
    """Makes the holder (delta) of a chunk's choice that has none, given the text to write."""
    fill_empty: bool = False
    """Whether a checked text is written into an answer whose content is ``None`` (else it is kept)."""

    def _choices(self, response: Any) -> Any:
        return (get(response, self.choices) or ()) if self.choices else (response,)

    def _holder(self, choice: Any, name: str | None) -> Any:
        return get(choice, name) if name else choice

    def value(self, choice: Any, stream: bool = False) -> Any:
        """The raw content of a choice (a response's, or a chunk's with ``stream``)."""
        return get(self._holder(choice, self.delta if stream else self.message), self.field)

    def text(self, value: Any) -> str:
        """The answer text of a content value: its string, or its text parts joined; ``""`` if none."""
        if isinstance(value, list) and self.parts is not None:
            checked = self.parts.checked
            return "".join(self.parts.text(part) or "" for part in value if get(part, "type") in checked)
        return value if isinstance(value, str) else ""

    def _write(self, holder: Any, text: str) -> None:
        value = get(holder, self.field)
        if isinstance(value, list) and self.parts is not None:
            texts = [part for part in value if get(part, "type") in self.parts.checked]
            if texts:
                set_field(texts[0], self.parts.text_fields[get(texts[0], "type")], text)
                for part in texts[1:]:
                    set_field(part, self.parts.text_fields[get(part, "type")], "")
                return
        set_field(holder, self.field, text)

    def output_texts(self, response: Any) -> list[str]:
        return [self.text(self.value(choice)) for choice in self._choices(response)]

    def set_output_texts(self, response: Any, texts: list[str]) -> None:
        for choice, text in zip(self._choices(response), texts):
            holder = self._holder(choice, self.message)
            value = get(holder, self.field)
            if (value is not None or self.fill_empty) and text != self.text(value):
                self._write(holder, text)

    def chunk_choices(self, chunk: Any) -> Any:
        return self._choices(get(chunk, self.event) if self.event else chunk)

    def chunk_texts(self, chunk: Any) -> list[tuple[int, str, bool]]:
        if self.choices is None:
            return [(0, self.text(self.value(chunk, True)), bool(get(chunk, self.end)))]
        return [
            (get(choice, self.index), self.text(self.value(choice, True)), get(choice, self.end) is not None)
            for choice in self.chunk_choices(chunk)
        ]

    def set_chunk_text(self, chunk: Any, channel: int, text: str) -> None:
        for choice in self.chunk_choices(chunk):
            if self.choices is None or get(choice, self.index) == channel:
                holder = self._holder(choice, self.delta)
                if holder is None:  # a last chunk with only a finish reason: a new delta carries the tail
                    set_field(choice, self.delta, self.new_holder(text))  # type: ignore[arg-type]
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
