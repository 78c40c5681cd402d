"""Cohere's documented v2 ``/v2/chat`` wire format on loopback: JSON answers and typed SSE streams.
Model ``command-unknown`` gets the API's 404."""

from __future__ import annotations

import json
from typing import Any

from ..wire_server import Reply

ANSWER = ["Spans", " record", " one", " operation", " each."]
USAGE = {
    "billed_units": {"input_tokens": 5, "output_tokens": 5},
    "tokens": {"input_tokens": 71, "output_tokens": 6},
}


def stream_events() -> list[dict[str, Any]]:
    message = {"role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}
    events: list[dict[str, Any]] = [
        {
            "id": "5d3f4f5e-1b6c-4d4e-9a55-0c0b3e0b1a11",
            "type": "message-start",
            "delta": {"message": message},
        },
        {
            "type": "content-start",
            "index": 0,
            "delta": {"message": {"content": {"type": "text", "text": ""}}},
        },
    ]
    events += [
        {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": word}}}}
        for word in ANSWER
    ]
    events += [
        {"type": "content-end", "index": 0},
        {"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": USAGE}},
    ]
    return events


def typed_sse(events: list[dict[str, Any]]) -> Reply:
    """Cohere names each SSE event after its ``type``."""
    frames = [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]
    return Reply(frames=frames, content_type="text/event-stream")


UNKNOWN_MODEL = "command-unknown"
TOOL_CALL = {
    "id": "get_weather_8ktz2yd0g7a0",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
}


def chat_response(body: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {"id": "0b3d1f7e-6c59-4a8e-b1c2-7f6e5d4c3b2a", "usage": USAGE}
    if body.get("tools") and body["messages"][-1]["role"] == "user":
        message = {"role": "assistant", "tool_plan": "I will look up the weather.", "tool_calls": [TOOL_CALL]}
        return {**response, "message": message, "finish_reason": "TOOL_CALL"}
    message = {"role": "assistant", "content": [{"type": "text", "text": "".join(ANSWER)}]}
    return {**response, "message": message, "finish_reason": "COMPLETE"}


def route(method: str, path: str, body: Any) -> Reply:
    if path != "/v2/chat" or body.get("model") == UNKNOWN_MODEL:
        return Reply(status=404, json_body={"message": f"model '{body.get('model')}' not found"})
    if body.get("stream"):
        return typed_sse(stream_events())
    return Reply(json_body=chat_response(body))
