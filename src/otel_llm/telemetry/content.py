"""Message content in the shape of the GenAI JSON schemas: redaction hook, size limit, JSON for spans.

Providers build content as plain structures that follow the upstream schemas
(``gen-ai-input-messages.json`` and friends): messages are ``{"role", "parts", ...}``, parts are
``{"type": "text", "content": ...}``, ``{"type": "tool_call", "id", "name", "arguments"}`` and so on.
This module only shapes what the providers give it; it never looks inside a provider's objects.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from otel_llm.config import ContentHook

logger = logging.getLogger(__name__)

TRUNCATION_MARK = "…[truncated]"
_MIN_STRING = 16


def text_part(content: str) -> dict[str, Any]:
    return {"type": "text", "content": content}


def tool_call_part(call_id: str | None, name: str, arguments: Any) -> dict[str, Any]:
    part: dict[str, Any] = {"type": "tool_call", "name": name, "arguments": arguments}
    if call_id is not None:
        part["id"] = call_id
    return part


def tool_response_part(call_id: str | None, response: Any) -> dict[str, Any]:
    part: dict[str, Any] = {"type": "tool_call_response", "response": response}
    if call_id is not None:
        part["id"] = call_id
    return part


def parse_json_or_text(raw: Any) -> Any:
    """Tool-call arguments arrive as JSON text; record them structured when they parse."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def apply_hook(hook: ContentHook | None, name: str, value: Any) -> Any:
    """Run the user's redaction hook; if it fails, drop the content instead of recording it unredacted."""
    if hook is None or value is None:
        return value
    try:
        return hook(name, value)
    except Exception:
        logger.exception("content hook failed for %s; the content is not recorded", name)
        return None


def replace_texts(value: Any, replacements: dict[str, str]) -> Any:
    """``value`` with every string that holds a key of ``replacements`` rewritten with its value.

    Used when guardrails redact a call's input: the content recorded must be what the provider received.
    """
    if isinstance(value, str):
        for original, replacement in replacements.items():
            if original in value:
                value = value.replace(original, replacement)
        return value
    if isinstance(value, dict):
        return {k: replace_texts(v, replacements) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [replace_texts(v, replacements) for v in value]
    return value


def _cap_strings(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + TRUNCATION_MARK
    if isinstance(value, dict):
        return {k: _cap_strings(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_cap_strings(v, limit) for v in value]
    return value


def _longest_string(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return max((_longest_string(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((_longest_string(v) for v in value), default=0)
    return 0


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def limit_size(value: Any, max_length: int) -> Any:
    """Shorten the longest strings (then drop the oldest list items) until the JSON fits ``max_length``.

    The result is still valid JSON of the same shape; cut strings end with ``TRUNCATION_MARK``.
    ``max_length <= 0`` means no limit. The cost is O(n log n) in the JSON's size.
    """
    if max_length <= 0 or len(_dumps(value)) <= max_length:
        return value
    shortest = _cap_strings(value, _MIN_STRING)
    if len(_dumps(shortest)) > max_length:  # cutting strings is not enough: drop items
        return _fit(shortest, max_length)
    low, high = _MIN_STRING + 1, _longest_string(value)
    best = shortest
    while low <= high:  # the largest per-string cap that fits
        middle = (low + high) // 2
        candidate = _cap_strings(value, middle)
        if len(_dumps(candidate)) <= max_length:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def _fit(value: Any, budget: int) -> Any:
    """``value`` made to fit ``budget`` JSON characters: lists keep their most recent items, dicts shrink
    their largest values, strings are cut. Only what structure alone needs (keys, brackets) may exceed it."""
    size = len(_dumps(value))
    if size <= budget:
        return value
    if isinstance(value, str):
        return _cut_string(value, budget)
    if isinstance(value, list):
        return _fit_list(value, budget)
    if isinstance(value, dict):  # its first entries that fit, the last of them fitted into what is left
        fitted: dict[Any, Any] = {}
        used = 2  # the braces
        for key, item in value.items():
            overhead = len(_dumps(key)) + 1 + (1 if fitted else 0)  # the colon and a comma
            room = budget - used - overhead
            own = len(_dumps(item))
            if own > room:
                if room > 2:
                    fitted[key] = _fit(item, room)
                break
            fitted[key] = item
            used += overhead + own
        return fitted
    return value  # a number, boolean or null: cannot shrink


def _fit_list(items: list[Any], budget: int) -> list[Any]:
    """The most recent items whose JSON fits (or the last item, itself fitted)."""
    kept: list[Any] = []
    used = 2  # the brackets
    for item in reversed(items):
        size = len(_dumps(item)) + (1 if kept else 0)  # a comma between items
        if used + size > budget:
            break
        kept.append(item)
        used += size
    if not kept and items:
        return [_fit(items[-1], budget - 2)]
    return kept[::-1]


def _cut_string(text: str, budget: int) -> str:
    """The longest prefix of ``text``, plus the mark, whose JSON fits ``budget`` (escapes counted)."""
    low, high, best = 0, len(text), TRUNCATION_MARK
    while low <= high:
        middle = (low + high) // 2
        candidate = text[:middle] + TRUNCATION_MARK
        if len(_dumps(candidate)) <= budget:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def to_json(value: Any, max_length: int) -> str:
    """JSON text for a span attribute, within the size limit."""
    return _dumps(limit_size(value, max_length))
