"""The Ollama format (``/api/chat``, ``/api/generate``, ``/api/embed(dings)``): request, response and
stream mapping (and where its texts sit, for guardrails too)."""

from __future__ import annotations

from typing import Any

from otel_llm.formats.openai_chat import MESSAGES, input_messages
from otel_llm.semconv import attributes as A
from otel_llm.telemetry import content
from otel_llm.telemetry.fields import SAMPLING, copy_given, get, request_parameters
from otel_llm.telemetry.invocation import Invocation
from otel_llm.telemetry.text_locations import Answers, Fields, text_mapping

_OPTIONS = request_parameters(*SAMPLING, num_predict="max_tokens")


def request_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    options = kwargs.get("options") or {}
    attributes = copy_given(options, _OPTIONS)
    stop = get(options, "stop")
    if stop:
        attributes[A.GEN_AI_REQUEST_STOP_SEQUENCES] = list(stop)
    if kwargs.get("format"):  # "json" or a JSON schema
        attributes[A.GEN_AI_OUTPUT_TYPE] = A.GenAiOutputTypeValues.JSON
    return attributes


def _tool_definitions(tools: Any) -> list[dict[str, Any]] | None:
    """Tools are JSON-schema dicts/models, or plain Python functions the SDK describes itself."""
    if not tools:
        return None
    return [
        {"type": "function", "name": tool.__name__}
        if callable(tool)
        else {"type": get(tool, "type") or "function", "name": get(get(tool, "function"), "name")}
        for tool in tools
    ]


def chat_content(kwargs: dict[str, Any]) -> tuple[None, list[dict[str, Any]], list[dict[str, Any]] | None]:
    return None, input_messages(kwargs.get("messages") or ()), _tool_definitions(kwargs.get("tools"))


def generate_content(kwargs: dict[str, Any]) -> tuple[Any, Any, None]:
    system = kwargs.get("system")
    prompt = kwargs.get("prompt")
    return (
        [content.text_part(system)] if system else None,
        [{"role": "user", "parts": [content.text_part(prompt)]}] if prompt else None,
        None,
    )


def embeddings_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    dimensions = kwargs.get("dimensions")
    return {A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT: dimensions} if dimensions else {}


# -- responses ---------------------------------------------------------------------------------


def _read_final(invocation: Invocation, response: Any) -> str | None:
    """Model, token counts and finish reason: on the response, or on a stream's last (``done``) chunk."""
    invocation.response_model = get(response, "model")
    invocation.input_tokens = get(response, "prompt_eval_count")
    invocation.output_tokens = get(response, "eval_count")
    reason = get(response, "done_reason")
    if reason:
        invocation.finish_reasons = [reason]
    return reason


def _output(parts: list[dict[str, Any]], reason: str | None) -> list[dict[str, Any]]:
    return [{"role": "assistant", "parts": parts, "finish_reason": reason or ""}]


def _message_parts(text: str, thinking: str, tool_calls: Any) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"type": "reasoning", "content": thinking}] if thinking else []
    if text:
        parts.append(content.text_part(text))
    for call in tool_calls or ():
        function = get(call, "function")
        parts.append(
            content.tool_call_part(None, get(function, "name"), dict(get(function, "arguments") or {}))
        )
    return parts


def _chat_message(chunk: Any) -> Any:
    return get(chunk, "message")


def _generated(chunk: Any) -> Any:
    """A ``generate`` response carries its thinking beside its text (no message, no tool calls)."""
    return {"thinking": get(chunk, "thinking")}


def _read_response(invocation: Invocation, response: Any, message_of: Any, answers: Answers) -> None:
    reason = _read_final(invocation, response)
    if invocation.capture:
        message = message_of(response)
        parts = _message_parts(
            answers.text(answers.value(response)), get(message, "thinking") or "", get(message, "tool_calls")
        )
        invocation.output_messages = _output(parts, reason)


def _finish_stream(invocation: Invocation, chunks: list[Any], message_of: Any, answers: Answers) -> None:
    """The last chunk (``done``) holds the counts and reason; the text is spread over all of them."""
    if not chunks:
        return
    invocation.response_model = get(chunks[0], "model")
    last = chunks[-1]
    reason = _read_final(invocation, last) if get(last, "done") else None
    if invocation.capture:
        messages = [message_of(chunk) for chunk in chunks]
        text = "".join(answers.text(answers.value(chunk, True)) for chunk in chunks)
        thinking = "".join(get(m, "thinking") or "" for m in messages)
        calls = [call for m in messages for call in get(m, "tool_calls") or ()]
        invocation.output_messages = _output(_message_parts(text, thinking, calls), reason)


def on_chat_response(invocation: Invocation, response: Any) -> None:
    _read_response(invocation, response, _chat_message, CHAT_ANSWERS)


def finish_chat_stream(invocation: Invocation, chunks: list[Any]) -> None:
    _finish_stream(invocation, chunks, _chat_message, CHAT_ANSWERS)


def on_generate_response(invocation: Invocation, response: Any) -> None:
    _read_response(invocation, response, _generated, GENERATE_ANSWERS)


def finish_generate_stream(invocation: Invocation, chunks: list[Any]) -> None:
    _finish_stream(invocation, chunks, _generated, GENERATE_ANSWERS)


def on_embeddings_response(invocation: Invocation, response: Any) -> None:
    """``embed`` returns ``embeddings`` (and ``model``, token count); legacy ``embeddings`` one vector."""
    invocation.response_model = get(response, "model")
    invocation.input_tokens = get(response, "prompt_eval_count")
    vectors = get(response, "embeddings") or [get(response, "embedding")]
    if vectors[0] and A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT not in invocation.start_attributes:
        invocation.extra_attributes[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = len(vectors[0])


# -- where the texts sit: content capture and guardrails -------------------------------------------
# ``chat`` messages as in the OpenAI chat format; ``generate``'s prompt and the suffix of a
# fill-in-the-middle call (not its ``system`` prompt, the app's own, nor images or thinking). One answer
# per response, in ``message.content`` (chat) or ``response`` (generate); a stream's chunks carry its
# pieces, the ``done`` one last.

CHAT_ANSWERS = Answers(choices=None, chunk_choices=None, delta="message", end="done", fill_empty=True)
GENERATE_ANSWERS = Answers(
    "response", choices=None, chunk_choices=None, message=None, delta=None, end="done", fill_empty=True
)
CHAT_TEXTS = text_mapping(MESSAGES, CHAT_ANSWERS)
GENERATE_TEXTS = text_mapping(Fields(("prompt", "suffix")), GENERATE_ANSWERS)
