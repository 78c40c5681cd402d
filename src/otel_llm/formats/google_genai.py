"""The google-genai format (Gemini ``Content``/``Part`` model): request, response and stream mapping
and where its texts sit (content capture and guardrails)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from otel_llm.semconv import attributes as A
from otel_llm.telemetry import content
from otel_llm.telemetry.fields import SAMPLING, copy_given, get, request_parameters
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.invocation import Invocation
from otel_llm.telemetry.text_locations import Content
from otel_llm.telemetry.texts import replace_texts, with_fields

_CONFIG = request_parameters(*SAMPLING, max_output_tokens="max_tokens")
# Gemini's FinishReason values -> the GenAI finish reasons
FINISH_REASONS = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "MALFORMED_FUNCTION_CALL": "error",
}
_ROLES = {"model": "assistant"}


def model_name(model: Any) -> str | None:
    """``models/gemini-2.0-flash`` or a Vertex resource path: the model id is the last segment."""
    return model.rsplit("/", 1)[-1] if isinstance(model, str) else None


def generate_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    config = kwargs.get("config")
    attributes = copy_given(config, _CONFIG)
    stop = get(config, "stop_sequences")
    if stop:
        attributes[A.GEN_AI_REQUEST_STOP_SEQUENCES] = list(stop)
    count = get(config, "candidate_count")
    if count and count != 1:
        attributes[A.GEN_AI_REQUEST_CHOICE_COUNT] = count
    mime = get(config, "response_mime_type")
    if mime == "application/json":
        attributes[A.GEN_AI_OUTPUT_TYPE] = A.GenAiOutputTypeValues.JSON
    elif mime == "text/plain":
        attributes[A.GEN_AI_OUTPUT_TYPE] = A.GenAiOutputTypeValues.TEXT
    return attributes


# -- content -----------------------------------------------------------------------------------


def _other_part(part: Any) -> dict[str, Any]:
    """A part with no checked text: a function call or response, a thought, or inline or file data."""
    call, result, text = get(part, "function_call"), get(part, "function_response"), get(part, "text")
    if call is not None:
        return content.tool_call_part(get(call, "id"), get(call, "name"), dict(get(call, "args") or {}))
    if result is not None:
        return content.tool_response_part(get(result, "id"), get(result, "response"))
    if text is not None:
        return {"type": "reasoning", "content": text} if get(part, "thought") else content.text_part(text)
    return {"type": "blob" if get(part, "inline_data") is not None else "file"}


def _parts(raw_parts: Any) -> list[dict[str, Any]]:
    return CONTENT.parts(raw_parts or (), _other_part)


def input_messages(contents: Any) -> list[dict[str, Any]]:
    """``contents``: a string, a list of strings/parts, or ``Content`` objects (dicts) with roles."""
    if contents is None:
        return []
    if isinstance(contents, str) or not isinstance(contents, (list, tuple)):
        contents = [contents]
    messages: list[dict[str, Any]] = []
    loose: list[Any] = []  # strings and parts without a Content: one user message, as the SDK does
    for item in contents:
        if isinstance(item, str) or get(item, "parts") is None:
            loose.append(item)
            continue
        role = get(item, "role") or "user"
        parts = _parts(get(item, "parts"))
        if parts and all(part["type"] == "tool_call_response" for part in parts):
            role = "tool"  # Gemini sends function results as a user turn
        messages.append({"role": _ROLES.get(role, role), "parts": parts})
    if loose:
        messages.append({"role": "user", "parts": _parts(loose)})
    return messages


def _tool_definitions(config: Any) -> list[dict[str, Any]] | None:
    definitions = []
    for tool in get(config, "tools") or ():
        if callable(tool):
            definitions.append({"type": "function", "name": tool.__name__})
            continue
        for declaration in get(tool, "function_declarations") or ():
            definitions.append({"type": "function", "name": get(declaration, "name")})
    return definitions or None


def _system_instructions(config: Any) -> list[dict[str, Any]] | None:
    system = get(config, "system_instruction")
    if system is None:
        return None
    if isinstance(system, str):
        return [content.text_part(system)]
    return _parts(get(system, "parts") if get(system, "parts") is not None else [system])


def generate_content(kwargs: dict[str, Any]) -> tuple[Any, list[dict[str, Any]], Any]:
    """The system instruction, contents and tools of a ``generate_content`` call."""
    config = kwargs.get("config")
    return _system_instructions(config), input_messages(kwargs.get("contents")), _tool_definitions(config)


# -- responses ---------------------------------------------------------------------------------


def _finish_reason(candidate: Any) -> str:
    raw = get(candidate, "finish_reason")
    name = getattr(raw, "value", raw)
    return FINISH_REASONS.get(str(name), str(name).lower()) if name else ""


def _read_meta(invocation: Invocation, response: Any) -> None:
    if get(response, "response_id"):
        invocation.response_id = get(response, "response_id")
    if get(response, "model_version"):
        invocation.response_model = get(response, "model_version")
    usage = get(response, "usage_metadata")
    if usage is None:
        return
    if get(usage, "prompt_token_count") is not None:
        invocation.input_tokens = get(usage, "prompt_token_count")
        invocation.cache_read_tokens = get(usage, "cached_content_token_count")
    candidates, thoughts = get(usage, "candidates_token_count"), get(usage, "thoughts_token_count")
    if candidates is not None or thoughts is not None:  # present without prompt_token_count too
        invocation.output_tokens = (candidates or 0) + (thoughts or 0)  # thinking is billed as output
        invocation.reasoning_tokens = thoughts


def on_generate_response(invocation: Invocation, response: Any) -> None:
    _read_meta(invocation, response)
    candidates = get(response, "candidates") or ()
    invocation.finish_reasons = [_finish_reason(c) for c in candidates] or None
    if invocation.capture:
        invocation.output_messages = [
            {
                "role": "assistant",
                "parts": _parts(get(get(c, "content"), "parts")),
                "finish_reason": _finish_reason(c),
            }
            for c in candidates
        ]


def finish_generate_stream(invocation: Invocation, chunks: list[Any]) -> None:
    """Each chunk is a partial response: the last ones carry the finish reason and the usage."""
    parts: dict[int, list[Any]] = {}
    reasons: dict[int, str] = {}
    for chunk in chunks:
        _read_meta(invocation, chunk)
        for position, candidate in enumerate(get(chunk, "candidates") or ()):
            index = get(candidate, "index") or position
            parts.setdefault(index, []).extend(get(get(candidate, "content"), "parts") or ())
            if get(candidate, "finish_reason"):
                reasons[index] = _finish_reason(candidate)
    if reasons:
        invocation.finish_reasons = [reasons.get(i, "") for i in sorted(parts)]
    if invocation.capture:
        invocation.output_messages = [
            {"role": "assistant", "parts": _merge_text(_parts(parts[i])), "finish_reason": reasons.get(i, "")}
            for i in sorted(parts)
        ]


def _merge_text(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Streamed text arrives as many text parts: join neighbours of the same type."""
    merged: list[dict[str, Any]] = []
    for part in parts:
        previous = merged[-1] if merged else None
        if previous and part["type"] in ("text", "reasoning") and previous["type"] == part["type"]:
            merged[-1] = {**previous, "content": previous["content"] + part["content"]}
        else:
            merged.append(part)
    return merged


def embed_attributes(kwargs: dict[str, Any]) -> dict[str, Any]:
    dimensions = get(kwargs.get("config"), "output_dimensionality")
    return {A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT: dimensions} if dimensions else {}


def on_embed_response(invocation: Invocation, response: Any) -> None:
    embeddings = get(response, "embeddings") or ()
    tokens = [get(get(e, "statistics"), "token_count") for e in embeddings]  # Vertex reports them
    if tokens and all(t is not None for t in tokens):
        invocation.input_tokens = int(sum(tokens))
    elif get(get(response, "usage_metadata"), "prompt_token_count") is not None:  # the Gemini API's usage
        invocation.input_tokens = get(get(response, "usage_metadata"), "prompt_token_count")
    if embeddings and A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT not in invocation.start_attributes:
        values = get(embeddings[0], "values")
        if values:
            invocation.extra_attributes[A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = len(values)


def with_app_tools(kwargs: dict[str, Any], outside: Callable[[Callable], Callable]) -> dict[str, Any]:
    """Automatic function calling runs the app's Python functions given as tools: they run as app code."""
    config = kwargs.get("config")
    tools = get(config, "tools")
    if not tools or not any(inspect.isfunction(t) or inspect.ismethod(t) for t in tools):
        return kwargs
    wrapped = [outside(t) if inspect.isfunction(t) or inspect.ismethod(t) else t for t in tools]
    if isinstance(config, dict):
        copied: Any = {**config, "tools": wrapped}
    elif config is not None:
        copied = config.model_copy(update={"tools": wrapped})
    else:
        return kwargs
    return {**kwargs, "config": copied}


# -- where the texts sit: content capture and guardrails -------------------------------------------
# ``contents`` may be a string, a part, a ``Content`` or a list of them, as SDK objects or dicts.
# Guardrails check the user's turns and function responses (their string values, as tool results), and
# the model's text out. Turns of the ``model`` role (the model's earlier answers), thoughts and the
# ``system_instruction`` (the app's own) are not checked. A part's kind is the field it sets; a text
# part is a string ``text`` (a PIL image's ``text`` is a dict of its metadata) that is no thought.

CONTENT = Content(
    {"text": "text"},
    checked=frozenset({"text"}),
    json={"function_response": ("function_response", "response")},
    kind=None,
    skip="thought",
)


def _is_content(item: Any) -> bool:
    return not isinstance(item, str) and get(item, "parts") is not None


def _item_texts(item: Any) -> list[str]:
    if not _is_content(item):
        return CONTENT.texts([item])  # a loose part: the SDK sends it as a user turn
    if get(item, "role") == "model":
        return []
    return CONTENT.texts(get(item, "parts"))


def _with_item_texts(item: Any, texts: Iterator[str]) -> Any:
    if not _is_content(item):
        return CONTENT.with_texts([item], texts)[0]
    return with_fields(item, parts=CONTENT.with_texts(get(item, "parts"), texts))


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
    return [part for part in get(get(candidate, "content"), "parts") or () if CONTENT.text(part) is not None]


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
