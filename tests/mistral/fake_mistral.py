"""Mistral's documented chat wire format on loopback: JSON answers and SSE streams whose tool calls
arrive whole in one chunk (name and full arguments), as the real API sends them."""

from __future__ import annotations

from typing import Any

from ..wire_server import Reply, sse

MODEL = "mistral-small-2506"
ANSWER = ["It", " is", " 21.5", " C", " and", " sunny", " in", " Paris."]
TOOL_CALL = {
    "id": "D681PevKs",
    "type": "function",
    "index": 0,
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}
USAGE = {"prompt_tokens": 84, "completion_tokens": 12, "total_tokens": 96}


THINKING = ["The user", " asks about", " the weather."]


def _thinking(texts: list[str]) -> dict[str, Any]:
    return {"type": "thinking", "thinking": [{"type": "text", "text": text} for text in texts]}


def _message(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    if body.get("tools") and body["messages"][-1]["role"] == "user":
        return {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]}, "tool_calls"
    if body["model"].startswith("magistral"):  # reasoning models answer in content chunks
        content = [_thinking(THINKING), {"type": "text", "text": "".join(ANSWER)}]
        return {"role": "assistant", "content": content, "tool_calls": None}, "stop"
    return {"role": "assistant", "content": "".join(ANSWER), "tool_calls": None}, "stop"


UNKNOWN_MODEL = "mistral-unknown"


def route(method: str, path: str, body: Any) -> Reply:
    if body.get("model") == UNKNOWN_MODEL:
        error = {
            "object": "error",
            "message": "Invalid model: mistral-unknown",
            "type": "invalid_model",
            "code": "1500",
        }
        return Reply(status=400, json_body=error)
    message, finish_reason = _message(body)
    base = {"id": "cmpl-e5cc70bb28c444948073e77776eb30ef", "created": 1764000000, "model": MODEL}
    if not body.get("stream"):
        choice = {"index": 0, "message": message, "finish_reason": finish_reason}
        return Reply(json_body={**base, "object": "chat.completion", "choices": [choice], "usage": USAGE})

    def chunk(delta: dict[str, Any], reason: str | None = None, **extra: Any) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": reason}
        return {**base, "object": "chat.completion.chunk", "choices": [choice], **extra}

    events = [chunk({"role": "assistant", "content": ""})]
    if message["tool_calls"]:
        events.append(chunk({"tool_calls": message["tool_calls"]}))
    elif isinstance(message["content"], list):
        events += [chunk({"content": [_thinking([text])]}) for text in THINKING]
        events += [chunk({"content": [{"type": "text", "text": word}]}) for word in ANSWER]
    else:
        events += [chunk({"content": word}) for word in ANSWER]
    events.append(chunk({"content": ""}, finish_reason, usage=USAGE))
    return sse(events, done=True)
