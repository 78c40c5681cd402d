"""Groq's chat-completions wire format on loopback, for what nothing recorded shows: tool calls.

``POST /openai/v1/chat/completions``: OpenAI's format; a request with tools whose last message is the
user's gets a call of the first tool, otherwise a fixed answer. Streams are SSE chunks ending with
``[DONE]``; as Groq documents, the usage of a stream is in ``x_groq.usage`` of the last chunk.
"""

from __future__ import annotations

import re
from typing import Any

from ..wire_server import Reply, sse

MODEL = "llama-3.3-70b-versatile"
ANSWER = "Spans are timed operations."
USAGE = {"prompt_tokens": 21, "completion_tokens": 7, "total_tokens": 28}


def _message(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    messages = body.get("messages") or []
    if body.get("tools") and messages and messages[-1]["role"] == "user":
        name = body["tools"][0]["function"]["name"]
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": name, "arguments": '{"city": "Paris"}'},
        }
        return {"role": "assistant", "tool_calls": [call]}, "tool_calls"
    return {"role": "assistant", "content": ANSWER}, "stop"


def _chunks(common: dict[str, Any], message: dict[str, Any], reason: str) -> list[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            **common,
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    if "tool_calls" in message:  # Groq sends a tool call whole, in one chunk
        deltas = [{"role": "assistant", "tool_calls": [{**message["tool_calls"][0], "index": 0}]}]
    else:
        words = re.findall(r"\S+\s*", ANSWER)  # each with its trailing space
        deltas = [{"role": "assistant", "content": ""}] + [{"content": word} for word in words]
    last = chunk({}, reason)
    last["x_groq"] = {"id": "req_1", "usage": USAGE}
    return [*map(chunk, deltas), last]


def route(method: str, path: str, body: Any) -> Reply:
    if method != "POST" or path != "/openai/v1/chat/completions":
        return Reply(status=404, json_body={"error": {"message": f"no route {path}"}})
    message, reason = _message(body)
    common = {"id": "chatcmpl-1", "created": 1, "model": MODEL, "system_fingerprint": "fp_1"}
    if body.get("stream"):
        return sse(_chunks(common, message, reason), done=True)
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": reason}
    return Reply(json_body={**common, "object": "chat.completion", "choices": [choice], "usage": USAGE})


__all__ = ["ANSWER", "MODEL", "route"]
