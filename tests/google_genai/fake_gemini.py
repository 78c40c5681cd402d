"""The Gemini REST wire format on loopback, as documented at ai.google.dev/api:
``/{version}/models/{model}:generateContent`` (JSON), ``:streamGenerateContent?alt=sse`` (SSE of partial
``GenerateContentResponse`` objects) and ``:batchEmbedContents``."""

from __future__ import annotations

import hashlib
from typing import Any

from ..wire_server import Reply, sse

ANSWER = ["Spans record", " one operation", " each."]
MODEL_VERSION = "gemini-2.5-flash"
USAGE = {"promptTokenCount": 9, "candidatesTokenCount": 7, "thoughtsTokenCount": 4, "totalTokenCount": 20}
FUNCTION_CALL = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}


def _wants_tool(body: dict[str, Any]) -> bool:
    last = body["contents"][-1]
    return bool(body.get("tools")) and not any("functionResponse" in p for p in last["parts"])


def responses(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The partial responses of a stream; their union is the whole response."""
    base = {"modelVersion": MODEL_VERSION, "responseId": "kM0hafL7Ds6Qz7IPxI3hgAk"}
    pieces = [[FUNCTION_CALL]] if _wants_tool(body) else [[{"text": text}] for text in ANSWER]
    chunks = [
        {**base, "candidates": [{"content": {"role": "model", "parts": parts}, "index": 0}]}
        for parts in pieces
    ]
    chunks[-1]["candidates"][0]["finishReason"] = "STOP"
    chunks[-1]["usageMetadata"] = USAGE
    return chunks


def _whole(body: dict[str, Any]) -> dict[str, Any]:
    chunks = responses(body)
    parts = [part for chunk in chunks for part in chunk["candidates"][0]["content"]["parts"]]
    if not _wants_tool(body):
        parts = [{"text": "".join(p["text"] for p in parts)}]
    whole = dict(chunks[-1])
    whole["candidates"] = [{**chunks[-1]["candidates"][0], "content": {"role": "model", "parts": parts}}]
    return whole


def _vector(text: str, dimensions: int) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round((digest[i % len(digest)] - 128) / 128, 6) for i in range(dimensions)]


def route(method: str, path: str, body: Any) -> Reply:
    method_name = path.split("?")[0].rsplit(":", 1)[-1]
    if "/models/gemini-unknown:" in path:
        error = {"code": 404, "message": "models/gemini-unknown is not found", "status": "NOT_FOUND"}
        return Reply(status=404, json_body={"error": error})
    if method_name == "generateContent":
        return Reply(json_body=_whole(body))
    if method_name == "streamGenerateContent":
        return sse(responses(body))
    if method_name == "batchEmbedContents":
        vectors = [
            {"values": _vector(r["content"]["parts"][0]["text"], r.get("outputDimensionality") or 8)}
            for r in body["requests"]
        ]
        return Reply(json_body={"embeddings": vectors})
    return Reply(status=404, json_body={"error": {"code": 404, "message": f"no fake for {path}"}})
