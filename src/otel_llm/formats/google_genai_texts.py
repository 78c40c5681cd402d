"""google-genai texts, for guardrails: the user's turns and function responses in, the model's text out.

``contents`` may be a string, a part, a ``Content`` or a list of them, as SDK objects or dicts. Turns
of the ``model`` role (the model's earlier answers), thoughts and the ``system_instruction`` (the
app's own) are not checked. A function response's string values are checked as tool results.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from otel_llm.telemetry.fields import get
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.texts import (
    json_strings,
    replace_texts,
    with_fields,
    with_json_strings,
)


def _is_text(part: Any) -> bool:
    """A text part that is no thought (a PIL image's ``text`` is a dict of its metadata, not one)."""
    return isinstance(get(part, "text"), str) and not get(part, "thought")


def _part_texts(part: Any) -> list[str]:
    if isinstance(part, str):
        return [part]
    if _is_text(part):
        return [get(part, "text")]
    response = get(part, "function_response")
    return json_strings(get(response, "response")) if response is not None else []


def _with_part_texts(part: Any, texts: Iterator[str]) -> Any:
    if isinstance(part, str):
        return next(texts)
    if _is_text(part):
        return with_fields(part, text=next(texts))
    response = get(part, "function_response")
    if response is None:
        return part
    return with_fields(
        part,
        function_response=with_fields(response, response=with_json_strings(get(response, "response"), texts)),
    )


def _is_content(item: Any) -> bool:
    return not isinstance(item, str) and get(item, "parts") is not None


def _item_texts(item: Any) -> list[str]:
    if not _is_content(item):
        return _part_texts(item)  # a loose part: the SDK sends it as a user turn
    if get(item, "role") == "model":
        return []
    return [text for part in get(item, "parts") for text in _part_texts(part)]


def _with_item_texts(item: Any, texts: Iterator[str]) -> Any:
    if not _is_content(item):
        return _with_part_texts(item, texts)
    return with_fields(item, parts=[_with_part_texts(part, texts) for part in get(item, "parts")])


def _items(contents: Any) -> list[Any]:
    if contents is None:
        return []
    return list(contents) if isinstance(contents, list | tuple) else [contents]


def input_texts(kwargs: dict[str, Any]) -> list[str]:
    return [text for item in _items(kwargs.get("contents")) for text in _item_texts(item)]


def with_input_texts(kwargs: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    contents = kwargs["contents"]
    items = replace_texts(_items(contents), _item_texts, _with_item_texts, texts)
    return {**kwargs, "contents": items if isinstance(contents, list | tuple) else items[0]}


def _text_parts(candidate: Any) -> list[Any]:
    return [part for part in get(get(candidate, "content"), "parts") or () if _is_text(part)]


def _output_parts(response: Any) -> list[Any]:
    return [part for candidate in get(response, "candidates") or () for part in _text_parts(candidate)]


def output_texts(response: Any) -> list[str]:
    return [part.text for part in _output_parts(response)]


def set_output_texts(response: Any, texts: list[str]) -> None:
    for part, text in zip(_output_parts(response), texts):
        part.text = text


def _channels(chunk: Any) -> list[tuple[int, Any]]:
    return [(get(c, "index") or position, c) for position, c in enumerate(get(chunk, "candidates") or ())]


def chunk_texts(chunk: Any) -> list[tuple[int, str, bool]]:
    """Per candidate: its text in this chunk; its last chunk has the finish reason."""
    return [
        (index, "".join(part.text for part in _text_parts(c)), get(c, "finish_reason") is not None)
        for index, c in _channels(chunk)
    ]


def set_chunk_text(chunk: Any, channel: int, text: str) -> None:
    from google.genai import types

    for index, candidate in _channels(chunk):
        if index != channel:
            continue
        parts = _text_parts(candidate)
        if parts:
            parts[0].text = text
            for part in parts[1:]:
                part.text = ""
        elif candidate.content is None:
            candidate.content = types.Content(role="model", parts=[types.Part(text=text)])
        else:
            candidate.content.parts = [*(candidate.content.parts or ()), types.Part(text=text)]


TEXTS = TextMapping(
    input_texts, with_input_texts, output_texts, set_output_texts, chunk_texts, set_chunk_text
)
