"""A fake OpenAI-compatible server on loopback, for the demo, tests and benchmarks.

It speaks the real wire format (JSON bodies, SSE streams with small delays, OpenAI-shaped errors)
for ``/v1/chat/completions``, ``/v1/responses`` and ``/v1/embeddings``. Answers are deterministic.
A ``responder`` callable may choose the answer text from the request body.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], str]

FAILING_MODEL = "gpt-unavailable"
"""Requests for this model get a 404 ``model_not_found`` error, as the real API answers."""

_CANNED_ANSWERS = (
    "OpenTelemetry is a vendor-neutral framework for traces, metrics and logs. "
    "It lets you instrument once and send telemetry to any backend.",
    "A span records one operation: its name, timing, attributes and its parent, "
    "so a trace shows where the time went.",
    "Time to first token measures how long a user waits before the model starts answering; "
    "streaming makes it the latency that users feel.",
    "Cost per call is input tokens times the input price plus output tokens times the output price, "
    "with cached input billed at a discount.",
)


def count_tokens(text: str) -> int:
    """A rough, deterministic token count: about four characters per token."""
    return max(1, (len(text) + 3) // 4)


def default_responder(body: dict[str, Any]) -> str:
    prompt = last_user_text(body)
    digest = hashlib.sha256(prompt.encode()).digest()
    return _CANNED_ANSWERS[digest[0] % len(_CANNED_ANSWERS)]


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def last_user_text(body: dict[str, Any]) -> str:
    """The text of the last user message of a chat request, or the input of a Responses request."""
    if "messages" in body:
        users = [m for m in body["messages"] if m.get("role") == "user"]
        return _text_of(users[-1].get("content")) if users else ""
    items = body.get("input", "")
    if isinstance(items, str):
        return items
    users = [m for m in items if isinstance(m, dict) and m.get("role") == "user"]
    return _text_of(users[-1].get("content")) if users else ""


def _prompt_tokens(body: dict[str, Any]) -> int:
    return count_tokens(json.dumps(body.get("messages", body.get("input", ""))))


def _example_for(schema: dict[str, Any]) -> Any:
    """A minimal value that satisfies a (simple) JSON schema: used for tool arguments and JSON output."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _example_for(sub) for name, sub in props.items()}
    if kind == "array":
        return [_example_for(schema.get("items", {"type": "string"}))]
    if kind == "integer":
        return 3
    if kind == "number":
        return 21.5
    if kind == "boolean":
        return True
    return "Paris" if "city" in json.dumps(schema).lower() else "example"


class _State:
    def __init__(self, responder: Responder, chunk_delay: float) -> None:
        self.responder = responder
        self.chunk_delay = chunk_delay
        self.counter = 0
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []

    def next_id(self, prefix: str) -> str:
        with self.lock:
            self.counter += 1
            return f"{prefix}-{self.counter:06d}{hashlib.sha1(str(self.counter).encode()).hexdigest()[:16]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no delayed-ACK stall (~40 ms)
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        state = self.server.state
        with state.lock:
            state.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
        if body.get("model") == FAILING_MODEL:
            self._error(404, "model_not_found", f"The model `{FAILING_MODEL}` does not exist.")
            return
        routes = {
            "/v1/chat/completions": self._chat,
            "/v1/responses": self._responses,
            "/v1/embeddings": self._embeddings,
        }
        route = routes.get(self.path.split("?")[0])
        if route is None:
            self._error(404, "not_found", f"Unknown path {self.path}")
            return
        route(body)

    # -- helpers -------------------------------------------------------------------------------

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-request-id", self.server.state.next_id("req"))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str) -> None:
        error_type = "invalid_request_error"
        self._json(status, {"error": {"message": message, "type": error_type, "param": None, "code": code}})

    def _sse(self, events: Iterator[tuple[str | None, dict[str, Any] | str]]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            for event, payload in events:
                data = payload if isinstance(payload, str) else json.dumps(payload)
                frame = (f"event: {event}\n" if event else "") + f"data: {data}\n\n"
                raw = frame.encode()
                self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
                self.wfile.flush()
                time.sleep(self.server.state.chunk_delay)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: a normal way for a stream to end

    # -- chat completions ----------------------------------------------------------------------

    def _chat(self, body: dict[str, Any]) -> None:
        state = self.server.state
        model = body.get("model", "gpt-4o-mini")
        resolved = f"{model}-2024-07-18" if not model[-1].isdigit() else model
        n = int(body.get("n") or 1)
        messages = body.get("messages", [])
        wants_tool = bool(body.get("tools")) and messages and messages[-1].get("role") == "user"
        response_format = body.get("response_format") or {}
        if wants_tool:
            tool = body["tools"][0]["function"]
            arguments = json.dumps(_example_for(tool.get("parameters", {})))
            choice_message: dict[str, Any] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": state.next_id("call"),
                        "type": "function",
                        "function": {"name": tool["name"], "arguments": arguments},
                    }
                ],
            }
            finish_reason, text = "tool_calls", arguments
        else:
            if response_format.get("type") == "json_schema":
                text = json.dumps(_example_for(response_format["json_schema"].get("schema", {})))
            else:
                text = state.responder(body)
            choice_message = {"role": "assistant", "content": text, "refusal": None}
            finish_reason = "stop"
        prompt_tokens = _prompt_tokens(body)
        completion_tokens = count_tokens(text) * n
        cached = (prompt_tokens // 128) * 64  # the real API caches in 128-token blocks past 1024
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {
                "cached_tokens": cached if prompt_tokens >= 1024 else 0,
                "audio_tokens": 0,
            },
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        }
        completion_id = state.next_id("chatcmpl")
        common = {
            "id": completion_id,
            "created": int(time.time()),
            "model": resolved,
            "system_fingerprint": "fp_fake0001",
            "service_tier": "default",
        }
        if not body.get("stream"):
            choices = [
                {"index": i, "message": choice_message, "logprobs": None, "finish_reason": finish_reason}
                for i in range(n)
            ]
            self._json(200, {**common, "object": "chat.completion", "choices": choices, "usage": usage})
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        self._sse(self._chat_chunks(common, n, choice_message, finish_reason, text, usage, include_usage))

    @staticmethod
    def _chat_chunks(
        common: dict[str, Any],
        n: int,
        message: dict[str, Any],
        finish_reason: str,
        text: str,
        usage: dict[str, Any],
        include_usage: bool,
    ) -> Iterator[tuple[str | None, dict[str, Any] | str]]:
        base = {**common, "object": "chat.completion.chunk"}
        if include_usage:
            base["usage"] = None

        def chunk(index: int, delta: dict[str, Any], reason: str | None = None) -> dict[str, Any]:
            return {
                **base,
                "choices": [{"index": index, "delta": delta, "logprobs": None, "finish_reason": reason}],
            }

        for index in range(n):
            yield (
                None,
                chunk(
                    index, {"role": "assistant", "content": "" if message["content"] is not None else None}
                ),
            )
        for index in range(n):
            if message.get("tool_calls"):
                call = message["tool_calls"][0]
                head = {
                    "index": 0,
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["function"]["name"], "arguments": ""},
                }
                yield None, chunk(index, {"tool_calls": [head]})
                arguments = call["function"]["arguments"]
                for start in range(0, len(arguments), 8):
                    piece = {"index": 0, "function": {"arguments": arguments[start : start + 8]}}
                    yield None, chunk(index, {"tool_calls": [piece]})
            else:
                for word in _split_words(text):
                    yield None, chunk(index, {"content": word})
            yield None, chunk(index, {}, finish_reason)
        if include_usage:
            yield None, {**base, "choices": [], "usage": usage}
        yield None, "[DONE]"

    # -- responses -----------------------------------------------------------------------------

    def _responses(self, body: dict[str, Any]) -> None:
        state = self.server.state
        model = body.get("model", "gpt-4o-mini")
        text = state.responder(body)
        input_tokens = _prompt_tokens(body)
        output_tokens = count_tokens(text)
        response_id = state.next_id("resp")
        message_id = state.next_id("msg")
        message = {
            "id": message_id,
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}],
        }
        response = {
            "id": response_id,
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": f"{model}-2024-07-18" if not model[-1].isdigit() else model,
            "output": [message],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "temperature": body.get("temperature", 1.0),
            "top_p": body.get("top_p", 1.0),
            "max_output_tokens": body.get("max_output_tokens"),
            "service_tier": "default",
            "instructions": body.get("instructions"),
            "usage": {
                "input_tokens": input_tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": input_tokens + output_tokens,
            },
        }
        if not body.get("stream"):
            self._json(200, response)
            return

        def events() -> Iterator[tuple[str | None, dict[str, Any] | str]]:
            in_progress = {**response, "status": "in_progress", "output": [], "usage": None}
            sequence = 0
            yield (
                "response.created",
                {"type": "response.created", "sequence_number": sequence, "response": in_progress},
            )
            for word in _split_words(text):
                sequence += 1
                yield (
                    "response.output_text.delta",
                    {
                        "type": "response.output_text.delta",
                        "sequence_number": sequence,
                        "item_id": message_id,
                        "output_index": 0,
                        "content_index": 0,
                        "delta": word,
                        "logprobs": [],
                    },
                )
            yield (
                "response.completed",
                {"type": "response.completed", "sequence_number": sequence + 1, "response": response},
            )

        self._sse(events())

    # -- embeddings ----------------------------------------------------------------------------

    def _embeddings(self, body: dict[str, Any]) -> None:
        inputs = body.get("input", [])
        inputs = [inputs] if isinstance(inputs, str) else inputs
        dimensions = int(body.get("dimensions") or 8)
        data: list[dict[str, Any]] = []
        for index, text in enumerate(inputs):
            digest = hashlib.sha256(str(text).encode()).digest()
            vector = [round((digest[i % len(digest)] - 128) / 128, 6) for i in range(dimensions)]
            data.append({"object": "embedding", "index": index, "embedding": vector})
        if body.get("encoding_format") == "base64":
            import base64
            import struct

            for item in data:
                item["embedding"] = base64.b64encode(
                    struct.pack(f"<{dimensions}f", *item["embedding"])
                ).decode()
        tokens = sum(count_tokens(str(t)) for t in inputs)
        model = body.get("model", "text-embedding-3-small")
        self._json(
            200,
            {
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )


def _split_words(text: str) -> list[str]:
    words = text.split(" ")
    return [words[0], *(" " + w for w in words[1:])]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client closing its keep-alive connection is normal; only report real errors."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class FakeOpenAIServer:
    """Serves the fake API on ``127.0.0.1`` in a background thread; use as a context manager."""

    def __init__(self, responder: Responder | None = None, chunk_delay: float = 0.0, port: int = 0) -> None:
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.state = _State(responder or default_responder, chunk_delay)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request received: ``{"path", "body", "headers"}``."""
        return self._server.state.requests

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
