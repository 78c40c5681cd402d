"""Each format's one description of where its texts sit: what guardrails check is what content capture
records as text, and redacted texts are written back where they were read."""

from __future__ import annotations

from typing import Any

import pytest

from otel_llm.formats import (
    anthropic_messages,
    bedrock_converse,
    bedrock_invoke,
    cohere_chat,
    google_genai,
    ollama,
    openai_chat,
    openai_responses,
)


def _captured_texts(messages: list[dict[str, Any]]) -> list[str]:
    """The strings content capture records in the messages' parts (tool results' values included)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in ("type", "role", "id", "name"):
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(messages)
    return found


CASES = [
    pytest.param(
        openai_chat.input_content,
        openai_chat.TEXTS,
        {
            "messages": [
                {"role": "system", "content": "You are terse."},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "hello"},
                        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                    ],
                },
                {"role": "assistant", "content": "earlier answer"},
                {"role": "tool", "tool_call_id": "c1", "content": "tool result"},
            ]
        },
        ["hello", "tool result"],
        id="openai_chat",
    ),
    pytest.param(
        openai_responses.input_content,
        openai_responses.TEXTS,
        {
            "instructions": "be brief",
            "input": [
                {"role": "user", "content": [{"type": "input_text", "text": "question"}]},
                {"role": "developer", "content": "rules"},
                {"type": "function_call_output", "call_id": "c1", "output": "42"},
            ],
        },
        ["question", "42"],
        id="openai_responses",
    ),
    pytest.param(
        anthropic_messages.input_content,
        anthropic_messages.TEXTS,
        {
            "system": "sys",
            "messages": [
                {"role": "user", "content": "first"},
                {"role": "assistant", "content": [{"type": "text", "text": "reply"}]},
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "t1",
                            "content": [{"type": "text", "text": "result"}],
                        },
                        {"type": "text", "text": "next"},
                    ],
                },
            ],
        },
        ["first", "result", "next"],
        id="anthropic_messages",
    ),
    pytest.param(
        bedrock_converse.input_content,
        bedrock_converse.TEXTS,
        {
            "messages": [
                {"role": "user", "content": [{"text": "hi"}, {"cachePoint": {"type": "default"}}]},
                {"role": "assistant", "content": [{"text": "hello"}]},
                {
                    "role": "user",
                    "content": [
                        {
                            "toolResult": {
                                "toolUseId": "t1",
                                "content": [{"json": {"city": "Paris"}}, {"text": "sunny"}],
                            }
                        }
                    ],
                },
            ]
        },
        ["hi", "Paris", "sunny"],
        id="bedrock_converse",
    ),
    pytest.param(
        cohere_chat.input_content,
        cohere_chat.TEXTS,
        {
            "messages": [
                {"role": "system", "content": "sys"},
                {"role": "user", "content": [{"type": "text", "text": "ask"}]},
                {
                    "role": "tool",
                    "tool_call_id": "c1",
                    "content": [{"type": "document", "document": {"data": {"title": "doc text"}}}],
                },
            ]
        },
        ["ask", "doc text"],
        id="cohere_chat",
    ),
    pytest.param(
        google_genai.generate_content,
        google_genai.TEXTS,
        {
            "contents": [
                {"role": "user", "parts": [{"text": "hi"}, {"text": "pondering", "thought": True}]},
                {"role": "model", "parts": [{"text": "earlier"}]},
                "loose",
            ]
        },
        ["hi", "loose"],
        id="google_genai",
    ),
    pytest.param(
        ollama.chat_content,
        ollama.CHAT_TEXTS,
        {"messages": [{"role": "user", "content": "why?"}, {"role": "assistant", "content": "because"}]},
        ["why?"],
        id="ollama_chat",
    ),
    pytest.param(
        bedrock_invoke.LLAMA.input_content,
        bedrock_invoke.LLAMA_TEXTS,
        {"prompt": "complete this"},
        ["complete this"],
        id="bedrock_llama",
    ),
]


@pytest.mark.parametrize(("input_content", "texts", "kwargs", "checked"), CASES)
def test_checked_texts_are_captured_texts_and_written_back(
    input_content: Any, texts: Any, kwargs: dict[str, Any], checked: list[str]
) -> None:
    assert texts.input_texts(kwargs) == checked
    _, messages, _ = input_content(kwargs)
    captured = _captured_texts(messages)
    assert [text for text in checked if text not in captured] == []
    read = texts.input_texts(kwargs)
    assert texts.with_input_texts(kwargs, read) == kwargs  # unchanged texts: the same request
    redacted = [f"<{index}>" for index in range(len(read))]
    written = texts.with_input_texts(kwargs, redacted)
    assert texts.input_texts(written) == redacted
    assert written is not kwargs and texts.input_texts(kwargs) == read  # the app's request is not changed


ANSWER_CASES = [
    pytest.param(
        openai_chat.TEXTS,
        {"choices": [{"index": 0, "message": {"content": "a"}}, {"index": 1, "message": {"content": None}}]},
        ["a", ""],
        {"choices": [{"index": 1, "delta": {"content": "b"}, "finish_reason": "stop"}]},
        [(1, "b", True)],
        id="openai_chat",
    ),
    pytest.param(
        ollama.CHAT_TEXTS,
        {"message": {"content": "a"}},
        ["a"],
        {"message": {"content": "b"}, "done": False},
        [(0, "b", False)],
        id="ollama_chat",
    ),
    pytest.param(
        ollama.GENERATE_TEXTS,
        {"response": "a"},
        ["a"],
        {"response": "b", "done": True},
        [(0, "b", True)],
        id="ollama_generate",
    ),
    pytest.param(
        bedrock_invoke.TITAN_TEXTS,
        {"results": [{"outputText": "a"}, {"outputText": "c"}]},
        ["a", "c"],
        {"outputText": "b", "completionReason": "FINISH"},
        [(0, "b", True)],
        id="bedrock_titan",
    ),
    pytest.param(
        bedrock_invoke.MISTRAL_TEXTS,
        {"outputs": [{"text": "a"}]},
        ["a"],
        {"outputs": [{"text": "b", "stop_reason": None}]},
        [(0, "b", False)],
        id="bedrock_mistral",
    ),
]


@pytest.mark.parametrize(("texts", "response", "answers", "chunk", "channels"), ANSWER_CASES)
def test_answers_are_read_and_written_where_they_are(
    texts: Any,
    response: dict[str, Any],
    answers: list[str],
    chunk: dict[str, Any],
    channels: list[tuple[int, str, bool]],
) -> None:
    assert texts.output_texts(response) == answers
    texts.set_output_texts(response, ["X", *answers[1:]])
    assert texts.output_texts(response) == ["X", *answers[1:]]
    assert texts.chunk_texts(chunk) == channels
    channel = channels[0][0]
    texts.set_chunk_text(chunk, channel, "Y")
    assert texts.chunk_texts(chunk) == [(channel, "Y", channels[0][2])]
