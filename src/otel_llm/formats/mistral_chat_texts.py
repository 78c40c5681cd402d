"""Mistral chat texts for guardrails: requests as in the OpenAI chat mapping; answers whose content may
be a list of chunks (reasoning models), of which the ``text`` chunks are the answer.

The thinking chunks of reasoning models are not checked.
"""

from __future__ import annotations

from typing import Any

from otel_llm.formats import openai_chat as _chat
from otel_llm.telemetry.fields import get
from otel_llm.telemetry.guarding import TextMapping


def _text(content: Any) -> str:
    """The answer text of a message or delta: its string content, or its text chunks joined."""
    if isinstance(content, list):
        return "".join(get(chunk, "text") or "" for chunk in content if get(chunk, "type") == "text")
    return content if isinstance(content, str) else ""


def _set_text(holder: Any, text: str) -> None:
    """Write ``text`` into ``holder.content``: the string, or the first text chunk (the others emptied).

    A chunk list without a text chunk is replaced by the text (only a stream's last delta gets text
    where none was, and Mistral sends that one as a string).
    """
    content = holder.content
    texts = [chunk for chunk in content if get(chunk, "type") == "text"] if isinstance(content, list) else []
    if not texts:
        holder.content = text
        return
    texts[0].text = text
    for chunk in texts[1:]:
        chunk.text = ""


def output_texts(response: Any) -> list[str]:
    return [_text(choice.message.content) for choice in get(response, "choices") or ()]


def set_output_texts(response: Any, texts: list[str]) -> None:
    for choice, text in zip(response.choices, texts):
        if text != _text(choice.message.content):
            _set_text(choice.message, text)


def chunk_texts(event: Any) -> list[tuple[int, str, bool]]:
    """A stream event's ``data`` is an OpenAI-shaped chunk."""
    return [
        (choice.index, _text(get(choice.delta, "content")), choice.finish_reason is not None)
        for choice in get(event.data, "choices") or ()
    ]


def set_chunk_text(event: Any, channel: int, text: str) -> None:
    for choice in event.data.choices:
        if choice.index == channel:
            _set_text(choice.delta, text)


CHAT_TEXTS = TextMapping(
    _chat.input_texts, _chat.with_input_texts, output_texts, set_output_texts, chunk_texts, set_chunk_text
)
