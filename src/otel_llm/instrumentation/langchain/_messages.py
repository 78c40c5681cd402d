"""LangChain messages, results and documents in the shapes of the GenAI conventions.

Reads LangChain's objects by attribute (``type``, ``content``, ``tool_calls``, ``usage_metadata``),
so it needs no LangChain import and tolerates any object that lacks a field.
"""

from __future__ import annotations

from typing import Any

from otel_llm.telemetry import content
from otel_llm.telemetry.fields import get
from otel_llm.telemetry.invocation import Invocation

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool", "function": "tool"}

# LangChain's ``ls_provider`` -> gen_ai.provider.name
PROVIDERS = {
    "openai": "openai",
    "azure": "azure.ai.openai",
    "anthropic": "anthropic",
    "mistralai": "mistral_ai",
    "groq": "groq",
    "cohere": "cohere",
    "ollama": "ollama",
    "google_genai": "gcp.gen_ai",
    "google_vertexai": "gcp.vertex_ai",
    "amazon_bedrock": "aws.bedrock",
    "bedrock": "aws.bedrock",
    "deepseek": "deepseek",
    "xai": "x_ai",
    "perplexity": "perplexity",
}


def provider_name(ls_provider: str | None) -> str:
    return PROVIDERS.get(ls_provider or "", ls_provider or "langchain")


def _text_parts(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [content.text_part(value)] if value else []
    parts = []
    for block in value or ():
        if isinstance(block, str):
            parts.append(content.text_part(block))
        elif isinstance(block, dict) and block.get("type") == "text":
            parts.append(content.text_part(block.get("text", "")))
    return parts


def to_message(message: Any) -> dict[str, Any]:
    """One LangChain message (or ``(role, text)`` tuple) as a GenAI input/output message."""
    if isinstance(message, tuple) and len(message) == 2:
        role, text = message
        return {"role": _ROLES.get(role, role), "parts": _text_parts(text)}
    kind = get(message, "type")
    role = _ROLES.get(kind) or get(message, "role") or "user"
    if kind == "tool":
        return {
            "role": "tool",
            "parts": [content.tool_response_part(get(message, "tool_call_id"), get(message, "content"))],
        }
    parts = _text_parts(get(message, "content"))
    for call in get(message, "tool_calls") or ():
        parts.append(content.tool_call_part(get(call, "id"), get(call, "name"), get(call, "args")))
    return {"role": role, "parts": parts}


def input_content(messages: Any, tools: Any) -> tuple[Any, list[dict[str, Any]], Any]:
    """``(system instructions, messages, tool definitions)`` of a chat model call."""
    system: list[dict[str, Any]] = []
    converted = []
    for message in messages or ():
        if get(message, "type") == "system":
            system.extend(_text_parts(get(message, "content")))
        else:
            converted.append(to_message(message))
    return system or None, converted, tool_definitions(tools)


def system_instructions(messages: Any) -> list[dict[str, Any]] | None:
    parts = [p for m in messages or () if get(m, "type") == "system" for p in _text_parts(get(m, "content"))]
    return parts or None


def tool_definitions(tools: Any) -> list[dict[str, Any]] | None:
    definitions = []
    for tool in tools or ():
        function = get(tool, "function") or tool
        name = get(function, "name")
        if name:
            definitions.append({"type": "function", "name": name})
    return definitions or None


def read_result(invocation: Invocation, result: Any) -> None:
    """Response model and id, finish reasons, usage and (when captured) output messages of an LLMResult."""
    generations = (get(result, "generations") or [[]])[0]
    llm_output = get(result, "llm_output") or {}
    first = get(generations[0], "message") if generations else None
    metadata = get(first, "response_metadata") or {}
    invocation.response_model = llm_output.get("model_name") or metadata.get("model_name")
    invocation.response_id = llm_output.get("id") or metadata.get("id")
    reasons = [_finish_reason(g) for g in generations]
    invocation.finish_reasons = [r for r in reasons if r] or None
    usage = get(first, "usage_metadata")
    if usage:
        invocation.input_tokens = usage.get("input_tokens")
        invocation.output_tokens = usage.get("output_tokens")
        details = usage.get("input_token_details") or {}
        invocation.cache_read_tokens = details.get("cache_read") or None
        invocation.cache_creation_tokens = details.get("cache_creation") or None
        invocation.reasoning_tokens = (usage.get("output_token_details") or {}).get("reasoning") or None
    elif llm_output.get("token_usage"):
        token_usage = llm_output["token_usage"]
        invocation.input_tokens = token_usage.get("prompt_tokens")
        invocation.output_tokens = token_usage.get("completion_tokens")
    if invocation.capture:
        invocation.output_messages = [
            {**_output_message(g), "finish_reason": reason or "stop"}
            for g, reason in zip(generations, reasons, strict=True)
        ]


def _finish_reason(generation: Any) -> str | None:
    info = get(generation, "generation_info") or {}
    metadata = get(get(generation, "message"), "response_metadata") or {}
    return info.get("finish_reason") or metadata.get("finish_reason") or metadata.get("stop_reason")


def _output_message(generation: Any) -> dict[str, Any]:
    message = get(generation, "message")
    if message is None:
        return {"role": "assistant", "parts": _text_parts(get(generation, "text"))}
    return {**to_message(message), "role": "assistant"}


def documents(docs: Any) -> list[dict[str, Any]]:
    """Retrieved LangChain ``Document`` s as ``gen_ai.retrieval.documents``."""
    result = []
    for doc in docs or ():
        metadata = get(doc, "metadata") or {}
        entry: dict[str, Any] = {
            "id": get(doc, "id") or metadata.get("id"),
            "content": get(doc, "page_content"),
        }
        score = metadata.get("score")
        if isinstance(score, int | float):
            entry["score"] = float(score)
        result.append(entry)
    return result
