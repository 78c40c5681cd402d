"""Ollama's documented ``/api/chat`` and ``/api/embed`` wire format on loopback: JSON answers and
NDJSON streams whose last line (``done: true``) carries the counts and ``done_reason``."""

from __future__ import annotations

import hashlib
from typing import Any

from ..wire_server import Reply, ndjson

ANSWER = ["Spans", " record", " one", " operation", " each."]
TOOL_CALL = {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
CREATED = "2026-11-26T12:00:00.000000Z"
COUNTS = {
    "total_duration": 912000000,
    "load_duration": 21000000,
    "prompt_eval_count": 26,
    "prompt_eval_duration": 130000000,
    "eval_count": 5,
    "eval_duration": 700000000,
}


def _vector(text: str, dimensions: int) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round((digest[i % len(digest)] - 128) / 128, 6) for i in range(dimensions)]


def chat_chunks(body: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"model": body["model"], "created_at": CREATED}
    if body.get("tools") and body["messages"][-1]["role"] == "user":
        deltas = [{"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]}]
    else:
        deltas = [{"role": "assistant", "content": word} for word in ANSWER]
    chunks = [{**base, "message": delta, "done": False} for delta in deltas]
    last = {**base, "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"}
    return [*chunks, {**last, **COUNTS}]


def route(method: str, path: str, body: Any) -> Reply:
    if path == "/api/chat":
        chunks = chat_chunks(body)
        if body.get("stream", True):  # Ollama streams unless told not to
            return ndjson(chunks)
        message = {"role": "assistant", "content": "".join(c["message"]["content"] for c in chunks)}
        calls = [call for c in chunks for call in c["message"].get("tool_calls", [])]
        if calls:
            message["tool_calls"] = calls
        return Reply(json_body={**chunks[-1], "message": message})
    if path == "/api/embed":
        inputs = [body["input"]] if isinstance(body["input"], str) else body["input"]
        vectors = [_vector(text, body.get("dimensions") or 8) for text in inputs]
        return Reply(
            json_body={"model": body["model"], "embeddings": vectors, "prompt_eval_count": 4 * len(inputs)}
        )
    return Reply(status=404, json_body={"error": f"no fake for {path}"})
