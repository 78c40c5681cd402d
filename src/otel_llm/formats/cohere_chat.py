"""The Cohere v2 chat format: request, response and stream-event mapping, and where their texts sit.

Cohere v2 messages and tools are OpenAI-shaped (roles, ``tool_calls`` with JSON ``arguments``,
``tool`` messages with ``tool_call_id``), so the input side reuses the OpenAI chat mapping with
Cohere's content items (text, and tool results' documents).
"""

from __future__ import annotations

from typing import Any

from otel_llm.formats.openai_chat import input_messages, tool_definitions
from otel_llm.semconv import attributes as A
from otel_llm.telemetry import content
from otel_llm.telemetry.fields import copy_given, get, request_parameters
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.invocation import Invocation
from otel_llm.telemetry.text_locations import Content, Messages
from otel_llm.telemetry.texts import Tail, TailText, with_fields

_PARAMS = request_parameters(
    "max_tokens",
    "temperature",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "stop_sequences",
    p="top_p",
    k="top_k",
)
FINISH_REASONS = {
    "COMPLETE": "stop",
    "STOP_SEQUENCE": "stop",
    "MAX_TOKENS": "length",
    "TOOL_CALL": "tool_call",
    "ERROR": "error",
    "TIMEOUT": "error",
}


def request_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    attributes = copy_given(kwargs, _PARAMS)
    kind = get(kwargs.get("response_format"), "type")
    if kind == "json_object":
        attributes[A.GEN_AI_OUTPUT_TYPE] = A.GenAiOutputTypeValues.JSON
    elif kind == "text":
        attributes[A.GEN_AI_OUTPUT_TYPE] = A.GenAiOutputTypeValues.TEXT
    return attributes


def input_content(kwargs: dict[str, Any]) -> tuple[None, list[dict[str, Any]], list[dict[str, Any]] | None]:
    return None, input_messages(kwargs.get("messages") or (), CONTENT), tool_definitions(kwargs)


def read_usage(invocation: Invocation, usage: Any) -> None:
    """Billed units are what Cohere prices; ``tokens`` (incl. its prompt template) is the fallback."""
    if usage is None:
        return
    for source in (get(usage, "billed_units"), get(usage, "tokens")):
        if source is not None and get(source, "input_tokens") is not None:
            invocation.input_tokens = int(get(source, "input_tokens"))
            output = get(source, "output_tokens")
            invocation.output_tokens = int(output) if output is not None else None
            return


def _finish_reason(raw: Any) -> str:
    return FINISH_REASONS.get(str(raw), str(raw).lower()) if raw else ""


def _output_message(
    texts: list[str], plan: str | None, calls: list[tuple[Any, Any, Any]], finish_reason: str
) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if plan:
        parts.append({"type": "reasoning", "content": plan})
    parts += [content.text_part(text) for text in texts]
    parts += [content.tool_call_part(i, n, content.parse_json_or_text(a)) for i, n, a in calls]
    return {"role": "assistant", "parts": parts, "finish_reason": finish_reason}


def on_response(invocation: Invocation, response: Any) -> None:
    invocation.response_id = get(response, "id")
    finish_reason = _finish_reason(get(response, "finish_reason"))
    invocation.finish_reasons = [finish_reason]
    read_usage(invocation, get(response, "usage"))
    if invocation.capture:
        message = get(response, "message")
        texts = [CONTENT.text(item) or "" for item in _text_items(response)]
        calls = [
            (get(call, "id"), get(get(call, "function"), "name"), get(get(call, "function"), "arguments"))
            for call in get(message, "tool_calls") or ()
        ]
        invocation.output_messages = [_output_message(texts, get(message, "tool_plan"), calls, finish_reason)]


def finish_stream(invocation: Invocation, events: list[Any]) -> None:
    """Read ``message-start`` (id), the deltas (text, tool plan, tool calls) and ``message-end``."""
    texts: dict[int, list[str]] = {}
    plan: list[str] = []
    calls: dict[int, list[Any]] = {}
    finish_reason = None
    for event in events:
        kind = get(event, "type")
        if kind == "message-start":
            invocation.response_id = get(event, "id")
        elif kind == "message-end":
            delta = get(event, "delta")
            finish_reason = _finish_reason(get(delta, "finish_reason"))
            read_usage(invocation, get(delta, "usage"))
        elif invocation.capture:
            _accumulate(event, kind, texts, plan, calls)
    if finish_reason is None:  # cut short
        return
    invocation.finish_reasons = [finish_reason]
    if invocation.capture:
        invocation.output_messages = [
            _output_message(
                ["".join(texts[i]) for i in sorted(texts)],
                "".join(plan),
                [(c[0], c[1], "".join(c[2])) for _, c in sorted(calls.items())],
                finish_reason,
            )
        ]


def _accumulate(
    event: Any, kind: str, texts: dict[int, list[str]], plan: list[str], calls: dict[int, list[Any]]
) -> None:
    message = get(get(event, "delta"), "message")
    index = get(event, "index") or 0
    if kind == "content-delta":
        text = get(get(message, "content"), "text")
        if text:
            texts.setdefault(index, []).append(text)
    elif kind == "tool-plan-delta":
        plan.append(get(message, "tool_plan") or "")
    elif kind == "tool-call-start":
        call = get(message, "tool_calls")
        function = get(call, "function")
        calls[index] = [get(call, "id"), get(function, "name"), [get(function, "arguments") or ""]]
    elif kind == "tool-call-delta" and index in calls:
        arguments = get(get(get(message, "tool_calls"), "function"), "arguments")
        if arguments:
            calls[index][2].append(arguments)


# -- where the texts sit: content capture and guardrails -------------------------------------------
# The user's turns and tool results in; a tool result's ``document`` items are checked by the string
# values of their ``data``. Not checked: the system message, assistant turns (tool plans, tool-call
# arguments) and the ``documents`` argument. Out: the answer's text items. A streamed text item ends
# with a ``content-end`` event, which has no text: :func:`tails` inserts an empty ``content-delta`` of
# the item before it, into which the held-back tail is released.

CONTENT = Content({"text": "text"}, checked=frozenset({"text"}), json={"document": ("document", "data")})
MESSAGES = Messages(CONTENT, frozenset({"user", "tool"}))


def _text_items(response: Any) -> list[Any]:
    return [
        item
        for item in get(get(response, "message"), "content") or ()
        if get(item, "type") in CONTENT.checked
    ]


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
    MESSAGES.texts,
    MESSAGES.with_texts,
    output_texts,
    set_output_texts,
    chunk_texts,
    set_chunk_text,
    tails,
)
