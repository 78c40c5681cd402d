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
    ``max_length <= 0`` means no limit.
    """
    if max_length <= 0 or len(_dumps(value)) <= max_length:
        return value
    low, high = _MIN_STRING, _longest_string(value)
    best = None
    while low <= high:  # the largest per-string cap that fits
        middle = (low + high) // 2
        candidate = _cap_strings(value, middle)
        if len(_dumps(candidate)) <= max_length:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    if best is not None:
        return best
    shortened = _cap_strings(value, _MIN_STRING)
    if isinstance(shortened, list):
        while len(shortened) > 1 and len(_dumps(shortened)) > max_length:
            shortened = shortened[1:]  # keep the most recent messages
    return shortened


def to_json(value: Any, max_length: int) -> str:
    """JSON text for a span attribute, within the size limit."""
    return _dumps(limit_size(value, max_length))
