"""The Bedrock runtime wire format on loopback, for what nothing recorded shows (Mistral bodies, Titan
embeddings) and for
stream exits: ``POST /model/{id}/invoke`` answers JSON, ``/invoke-with-response-stream`` and
``/converse-stream`` answer AWS event-stream frames (binary: prelude, headers, payload, CRC32s)."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any
from urllib.parse import unquote

from ..wire_server import Reply

EVENT_STREAM = "application/vnd.amazon.eventstream"
MISTRAL_ANSWER = ["Spans", " are", " timed."]


def event_frame(event_type: str, payload: dict[str, Any]) -> bytes:
    """One event-stream message, as AWS documents the encoding."""
    headers = b""
    for name, value in (
        (":event-type", event_type),
        (":content-type", "application/json"),
        (":message-type", "event"),
    ):
        headers += (
            bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value.encode()
        )
    body = json.dumps(payload).encode()
    total = 12 + len(headers) + len(body) + 4
    prelude = struct.pack(">II", total, len(headers))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers + body
    return message + struct.pack(">I", zlib.crc32(message))


def chunk_frame(data: dict[str, Any]) -> bytes:
    """An ``invoke_model_with_response_stream`` chunk: the model's JSON, base64 in ``bytes``."""
    return event_frame("chunk", {"bytes": base64.b64encode(json.dumps(data).encode()).decode()})


def mistral_chunks() -> list[dict[str, Any]]:
    chunks: list[dict[str, Any]] = [
        {"outputs": [{"text": text, "stop_reason": None}]} for text in MISTRAL_ANSWER
    ]
    chunks[-1]["outputs"][0]["stop_reason"] = "stop"
    chunks[-1]["amazon-bedrock-invocationMetrics"] = {"inputTokenCount": 9, "outputTokenCount": 3}
    return chunks


CONVERSE_EVENTS = [
    ("messageStart", {"role": "assistant"}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Spans"}}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": " are timed."}}),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    ("messageStop", {"stopReason": "end_turn"}),
    (
        "metadata",
        {"usage": {"inputTokens": 9, "outputTokens": 3, "totalTokens": 12}, "metrics": {"latencyMs": 5}},
    ),
]


def route(method: str, path: str, body: Any) -> Reply:
    _, _, model, api = path.split("/", 3)
    if unquote(model).startswith("amazon.titan-embed") and api == "invoke":
        return Reply(json_body={"embedding": [0.25] * body["dimensions"], "inputTextTokenCount": 5})
    if not unquote(model).startswith("mistral."):
        return Reply(status=400, json_body={"message": f"the fake serves Mistral models, not {model}"})
    if api == "invoke":
        outputs = [{"text": "".join(MISTRAL_ANSWER), "stop_reason": "stop"}]
        headers = {"x-amzn-bedrock-input-token-count": "9", "x-amzn-bedrock-output-token-count": "3"}
        return Reply(json_body={"outputs": outputs}, headers=headers)
    if api == "invoke-with-response-stream":
        return Reply(frames=[chunk_frame(chunk) for chunk in mistral_chunks()], content_type=EVENT_STREAM)
    if api == "converse-stream":
        return Reply(
            frames=[event_frame(kind, data) for kind, data in CONVERSE_EVENTS], content_type=EVENT_STREAM
        )
    return Reply(status=404, json_body={"message": f"no route {path}"})
