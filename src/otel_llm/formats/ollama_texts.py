"""Ollama texts for guardrails: ``chat`` messages as in the OpenAI chat mapping, ``generate``'s prompt
and suffix; answers in ``message.content`` (chat) or ``response`` (generate), one channel per stream.

``generate``'s ``system`` prompt (the app's own) is not checked, nor are images or thinking.
"""

from __future__ import annotations

from typing import Any

from otel_llm.formats import openai_chat as _chat
from otel_llm.telemetry.fields import get
from otel_llm.telemetry.guarding import TextMapping


def _chat_text(response: Any) -> str:
    return get(get(response, "message"), "content") or ""


def _set_chat_text(response: Any, text: str) -> None:
    response.message.content = text


def _generated_text(response: Any) -> str:
    return get(response, "response") or ""


def _set_generated_text(response: Any, text: str) -> None:
    response.response = text


def _mapping(input_texts: Any, with_input_texts: Any, read: Any, write: Any) -> TextMapping:
    """One answer per response; a stream's chunks carry its pieces, the ``done`` one last."""

    def set_output_texts(response: Any, texts: list[str]) -> None:
        write(response, texts[0])

    def chunk_texts(chunk: Any) -> list[tuple[int, str, bool]]:
        return [(0, read(chunk), bool(get(chunk, "done")))]

    def set_chunk_text(chunk: Any, channel: int, text: str) -> None:
        write(chunk, text)

    return TextMapping(
        input_texts,
        with_input_texts,
        lambda response: [read(response)],
        set_output_texts,
        chunk_texts,
        set_chunk_text,
    )


def _prompt_fields(kwargs: dict[str, Any]) -> list[str]:
    """The given user texts of ``generate``: the prompt, and the suffix of a fill-in-the-middle call."""
    return [field for field in ("prompt", "suffix") if isinstance(kwargs.get(field), str) and kwargs[field]]


def _prompt(kwargs: dict[str, Any]) -> list[str]:
    return [kwargs[field] for field in _prompt_fields(kwargs)]


def _with_prompt(kwargs: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    return {**kwargs, **dict(zip(_prompt_fields(kwargs), texts))}


CHAT_TEXTS = _mapping(_chat.input_texts, _chat.with_input_texts, _chat_text, _set_chat_text)
GENERATE_TEXTS = _mapping(_prompt, _with_prompt, _generated_text, _set_generated_text)
