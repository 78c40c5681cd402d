"""Refusals in each SDK's own response types, for calls that a ``respond`` guardrail rule answers.

When a rule with the ``respond`` action stops a call's input, the SDK is not called: the wrapper
returns the rule's refusal text as the response the app expects (a ``ChatCompletion``, a Bedrock
``converse`` dict, ...), or, for a streamed call, as a stream of that SDK's chunk types with the same
iteration and context-manager protocol. So the app needs no ``try``/``except`` around each call.

Each format builds the provider's wire JSON (what its API would have sent) and parses it with the
SDK's own model classes, so the objects are exactly what the SDK returns for such a reply.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

REFUSAL_ID = "guardrail-refusal"


class RefusalStream:
    """A finished stream of chunks: iterable, a context manager, closable (as SDK streams are)."""

    def __init__(self, chunks: list[Any]) -> None:
        self._chunks: Iterator[Any] = iter(chunks)

    def __iter__(self) -> RefusalStream:
        return self

    def __next__(self) -> Any:
        return next(self._chunks)

    def __enter__(self) -> RefusalStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._chunks = iter(())


class AsyncRefusalStream:
    """The ``async for`` / ``async with`` form of :class:`RefusalStream`."""

    def __init__(self, chunks: list[Any]) -> None:
        self._chunks: Iterator[Any] = iter(chunks)

    def __aiter__(self) -> AsyncRefusalStream:
        return self

    async def __anext__(self) -> Any:
        try:
            return next(self._chunks)
        except StopIteration:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> AsyncRefusalStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._chunks = iter(())

    async def close(self) -> None:
        await self.aclose()


@dataclass(frozen=True)
class RefusalFormat:
    """How one response format answers: its whole response, and its stream's chunks."""

    whole: Callable[[dict[str, Any], str], Any]
    """The response; ``None`` for a call of this format that cannot be answered (it is blocked)."""
    chunks: Callable[[dict[str, Any], str], list[Any] | None]
    stream_result: Callable[[Any], Any] = lambda stream: stream
    """Puts the stream where the SDK's result holds it (Bedrock: ``{"stream": ...}``)."""


def _model(kwargs: dict[str, Any]) -> str:
    return str(kwargs.get("model") or "")


# --- OpenAI-style chat completions (OpenAI, Groq, LiteLLM) ----------------------------------------
def _chat_json(kwargs: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": REFUSAL_ID,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": _model(kwargs),
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _chat_chunks_json(kwargs: dict[str, Any], text: str) -> list[dict[str, Any]]:
    head = {
        "id": REFUSAL_ID,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": _model(kwargs),
    }
    return [
        {
            **head,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": None}],
        },
        {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]


def _chat_format(whole_type: Callable[[], Any], chunk_type: Callable[[], Any]) -> RefusalFormat:
    return RefusalFormat(
        lambda kwargs, text: whole_type().model_validate(_chat_json(kwargs, text)),
        lambda kwargs, text: [chunk_type().model_validate(c) for c in _chat_chunks_json(kwargs, text)],
    )


def _openai_types() -> Any:
    from openai.types import chat

    return chat


def _groq_types() -> Any:
    from groq.types import chat

    return chat


def _litellm_types() -> Any:
    from litellm.types import utils

    return utils


def _litellm_whole(kwargs: dict[str, Any], text: str) -> Any:
    return _litellm_types().ModelResponse(**_chat_json(kwargs, text))


def _litellm_chunks(kwargs: dict[str, Any], text: str) -> list[Any]:
    return [_litellm_types().ModelResponseStream(**c) for c in _chat_chunks_json(kwargs, text)]


# --- OpenAI Responses -------------------------------------------------------------------------
def _responses_json(kwargs: dict[str, Any], text: str, status: str = "completed") -> dict[str, Any]:
    content = [{"type": "output_text", "text": text, "annotations": []}] if status == "completed" else []
    output = [
        {"type": "message", "id": REFUSAL_ID, "role": "assistant", "status": status, "content": content}
    ]
    return {
        "id": REFUSAL_ID,
        "object": "response",
        "created_at": int(time.time()),
        "model": _model(kwargs),
        "status": status,
        "output": output if status == "completed" else [],
        "parallel_tool_calls": False,
        "tool_choice": "auto",
        "tools": [],
    }


def _responses_whole(kwargs: dict[str, Any], text: str) -> Any:
    from openai.types.responses import Response

    return Response.model_validate(_responses_json(kwargs, text))


def _responses_chunks(kwargs: dict[str, Any], text: str) -> list[Any]:
    from openai.types.responses import ResponseStreamEvent
    from pydantic import TypeAdapter

    part = {"type": "output_text", "text": text, "annotations": []}
    item = {"type": "message", "id": REFUSAL_ID, "role": "assistant"}
    at = {"item_id": REFUSAL_ID, "output_index": 0, "content_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": _responses_json(kwargs, text, "in_progress")},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**item, "status": "in_progress", "content": []},
        },
        {"type": "response.content_part.added", **at, "part": {**part, "text": ""}},
        {"type": "response.output_text.delta", **at, "delta": text, "logprobs": []},
        {"type": "response.output_text.done", **at, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **at, "part": part},
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {**item, "status": "completed", "content": [part]},
        },
        {"type": "response.completed", "response": _responses_json(kwargs, text)},
    ]
    adapter = TypeAdapter(ResponseStreamEvent)
    return [adapter.validate_python({**e, "sequence_number": n}) for n, e in enumerate(events)]


# --- Anthropic Messages -----------------------------------------------------------------------
def _message_json(kwargs: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": REFUSAL_ID,
        "type": "message",
        "role": "assistant",
        "model": _model(kwargs),
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 0, "output_tokens": 0},
    }


def _anthropic_whole(kwargs: dict[str, Any], text: str) -> Any:
    from anthropic.types import Message

    return Message.model_validate(_message_json(kwargs, text))


def _anthropic_chunks(kwargs: dict[str, Any], text: str) -> list[Any]:
    from anthropic.types import RawMessageStreamEvent
    from pydantic import TypeAdapter

    events = [
        {
            "type": "message_start",
            "message": {**_message_json(kwargs, text), "content": [], "stop_reason": None},
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 0},
        },
        {"type": "message_stop"},
    ]
    adapter = TypeAdapter(RawMessageStreamEvent)
    return [adapter.validate_python(e) for e in events]


# --- AWS Bedrock Converse (boto3 returns dicts) --------------------------------------------------
_BEDROCK_USAGE = {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}


def _converse_whole(kwargs: dict[str, Any], text: str) -> dict[str, Any] | None:
    if kwargs.get("operation_name") != "Converse":  # InvokeModel bodies: a format per model family
        return None
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": dict(_BEDROCK_USAGE),
        "metrics": {"latencyMs": 0},
    }


def _converse_chunks(kwargs: dict[str, Any], text: str) -> list[dict[str, Any]] | None:
    if kwargs.get("operation_name") != "ConverseStream":
        return None
    return [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"delta": {"text": text}, "contentBlockIndex": 0}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"messageStop": {"stopReason": "end_turn"}},
        {"metadata": {"usage": dict(_BEDROCK_USAGE), "metrics": {"latencyMs": 0}}},
    ]


# --- Google GenAI -----------------------------------------------------------------------------
def _genai_whole(kwargs: dict[str, Any], text: str) -> Any:
    from google.genai import types

    return types.GenerateContentResponse.model_validate(
        {
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": text}]}, "finish_reason": "STOP", "index": 0}
            ],
            "model_version": _model(kwargs),
            "response_id": REFUSAL_ID,
        }
    )


# --- Mistral ----------------------------------------------------------------------------------
def _mistral_models() -> Any:
    import importlib

    try:  # mistralai 2.x+ keeps the SDK under mistralai.client; 1.x at the top level
        return importlib.import_module("mistralai.client.models")
    except ImportError:
        return importlib.import_module("mistralai.models")


def _mistral_whole(kwargs: dict[str, Any], text: str) -> Any:
    return _mistral_models().ChatCompletionResponse.model_validate(_chat_json(kwargs, text))


def _mistral_chunks(kwargs: dict[str, Any], text: str) -> list[Any]:
    event = _mistral_models().CompletionEvent
    return [event.model_validate({"data": c}) for c in _chat_chunks_json(kwargs, text)]


# --- Cohere v2 --------------------------------------------------------------------------------
def _cohere_whole(kwargs: dict[str, Any], text: str) -> Any:
    import cohere

    return cohere.V2ChatResponse.model_validate(
        {
            "id": REFUSAL_ID,
            "finish_reason": "COMPLETE",
            "message": {"role": "assistant", "content": [{"type": "text", "text": text}]},
        }
    )


def _cohere_chunks(kwargs: dict[str, Any], text: str) -> list[Any]:
    from pydantic import TypeAdapter

    import cohere

    events = [
        {"type": "message-start", "id": REFUSAL_ID, "delta": {"message": {"role": "assistant"}}},
        {
            "type": "content-start",
            "index": 0,
            "delta": {"message": {"content": {"type": "text", "text": ""}}},
        },
        {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": text}}}},
        {"type": "content-end", "index": 0},
        {"type": "message-end", "delta": {"finish_reason": "COMPLETE"}},
    ]
    adapter = TypeAdapter(cohere.StreamedChatResponseV2)
    return [adapter.validate_python(e) for e in events]


# --- Ollama -----------------------------------------------------------------------------------
def _ollama_json(kwargs: dict[str, Any], done: bool) -> dict[str, Any]:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {
        "model": _model(kwargs),
        "created_at": stamp,
        "done": done,
        **({"done_reason": "stop"} if done else {}),
    }


def _ollama_chat_whole(kwargs: dict[str, Any], text: str) -> Any:
    import ollama

    return ollama.ChatResponse.model_validate(
        {**_ollama_json(kwargs, True), "message": {"role": "assistant", "content": text}}
    )


def _ollama_chat_chunks(kwargs: dict[str, Any], text: str) -> list[Any]:
    import ollama

    return [
        ollama.ChatResponse.model_validate(
            {**_ollama_json(kwargs, done), "message": {"role": "assistant", "content": piece}}
        )
        for piece, done in ((text, False), ("", True))
    ]


def _ollama_generate_whole(kwargs: dict[str, Any], text: str) -> Any:
    import ollama

    return ollama.GenerateResponse.model_validate({**_ollama_json(kwargs, True), "response": text})


def _ollama_generate_chunks(kwargs: dict[str, Any], text: str) -> list[Any]:
    import ollama

    return [
        ollama.GenerateResponse.model_validate({**_ollama_json(kwargs, done), "response": piece})
        for piece, done in ((text, False), ("", True))
    ]


BUILDERS: dict[str, RefusalFormat] = {
    "openai.chat": _chat_format(
        lambda: _openai_types().ChatCompletion, lambda: _openai_types().ChatCompletionChunk
    ),
    "groq.chat": _chat_format(
        lambda: _groq_types().ChatCompletion, lambda: _groq_types().ChatCompletionChunk
    ),
    "litellm.completion": RefusalFormat(_litellm_whole, _litellm_chunks),
    "openai.responses": RefusalFormat(_responses_whole, _responses_chunks),
    "anthropic.messages": RefusalFormat(_anthropic_whole, _anthropic_chunks),
    "bedrock.converse": RefusalFormat(_converse_whole, _converse_chunks, lambda stream: {"stream": stream}),
    "google_genai.generate": RefusalFormat(_genai_whole, lambda kwargs, text: [_genai_whole(kwargs, text)]),
    "mistral.chat": RefusalFormat(_mistral_whole, _mistral_chunks),
    "cohere.chat": RefusalFormat(_cohere_whole, _cohere_chunks),
    "ollama.chat": RefusalFormat(_ollama_chat_whole, _ollama_chat_chunks),
    "ollama.generate": RefusalFormat(_ollama_generate_whole, _ollama_generate_chunks),
}


def build_refusal(
    response_format: str, kwargs: dict[str, Any], text: str, stream: bool, is_async: bool
) -> Any:
    """The refusal ``text`` as ``response_format``'s whole response, or as its (async) stream."""
    refusal = BUILDERS[response_format]
    if not stream:
        return refusal.whole(kwargs, text)
    chunks = refusal.chunks(kwargs, text) or []
    return refusal.stream_result(AsyncRefusalStream(chunks) if is_async else RefusalStream(chunks))
