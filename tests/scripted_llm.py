"""A scripted OpenAI-compatible model server on loopback, for the agent SDK tests.

An agent loop needs a model that asks for tools and then answers. :class:`ScriptedLLM` serves
``/v1/chat/completions`` and ``/v1/responses`` (JSON and SSE streams, as the real API sends them)
from scripts: each script is a list of :class:`Turn` s, chosen by a key that appears in the request
(the user's prompt), and each request of that script gets its next turn. Concurrent runs with different
prompts therefore each follow their own script. Usage is fixed per turn, so tests can assert exact
token sums; a turn with ``status`` set answers with an OpenAI-shaped error.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.wire_server import Reply, WireServer

MODEL = "gpt-4o-mini"
RESOLVED_MODEL = "gpt-4o-mini-2024-07-18"


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Turn:
    text: str | None = None
    tool_calls: Sequence[ToolCall] = ()
    input_tokens: int = 20
    output_tokens: int = 5
    status: int | None = None  # an HTTP error status instead of an answer


def say(text: str, input_tokens: int = 20, output_tokens: int = 5) -> Turn:
    return Turn(text=text, input_tokens=input_tokens, output_tokens=output_tokens)


def call(name: str, input_tokens: int = 20, output_tokens: int = 5, **arguments: Any) -> Turn:
    return Turn(
        tool_calls=(ToolCall(name, arguments),), input_tokens=input_tokens, output_tokens=output_tokens
    )


# The scenario every agent SDK test runs: one tool call, then the answer.
PROMPT = "What is the weather in Paris?"
ANSWER = "It is sunny in Paris."
TOOL_LOOP = (call("get_weather", 20, 5, city="Paris"), say(ANSWER, 30, 7))


@dataclass
class _Script:
    turns: Sequence[Turn]
    served: int = 0


@dataclass
class ScriptedLLM:
    """``ScriptedLLM({"weather in Paris": [call("get_weather", city="Paris"), say("Sunny.")]})``."""

    scripts: dict[str, Sequence[Turn]]
    _state: dict[str, _Script] = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _ids: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._state = {key: _Script(turns) for key, turns in self.scripts.items()}
        self._server = WireServer(self._route)

    def __enter__(self) -> ScriptedLLM:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)

    @property
    def base_url(self) -> str:
        return f"{self._server.base_url}/v1"

    @property
    def port(self) -> int:
        return int(self._server.base_url.rsplit(":", 1)[1])

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self._server.requests

    def served(self, key: str) -> int:
        return self._state[key].served

    # -- routing -------------------------------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._ids += 1
            return f"{prefix}_{self._ids:04d}"

    def _next_turn(self, body: dict[str, Any]) -> Turn:
        text = json.dumps(body)
        with self._lock:
            for key, script in self._state.items():
                if key in text:
                    if script.served >= len(script.turns):
                        raise AssertionError(f"script {key!r} has no turn {script.served + 1}")
                    script.served += 1
                    return script.turns[script.served - 1]
        raise AssertionError(f"no script matches request {text[:300]}")

    def _route(self, method: str, path: str, body: Any) -> Reply:
        try:
            turn = self._next_turn(body or {})
        except AssertionError as error:
            return _error(500, "server_error", str(error))
        if turn.status == 429:
            return _error(429, "rate_limit_exceeded", "Rate limit reached for requests")
        if turn.status is not None:
            return _error(turn.status, "invalid_request", "The request was rejected")
        if path.endswith("/chat/completions"):
            return self._chat(body, turn)
        if path.endswith("/responses"):
            return self._responses(body, turn)
        return _error(404, "not_found", f"Unknown path {path}")

    # -- chat completions ----------------------------------------------------------------------

    def _chat(self, body: dict[str, Any], turn: Turn) -> Reply:
        usage = {
            "prompt_tokens": turn.input_tokens,
            "completion_tokens": turn.output_tokens,
            "total_tokens": turn.input_tokens + turn.output_tokens,
        }
        calls = [
            {
                "id": self._next_id("call"),
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
            }
            for c in turn.tool_calls
        ]
        message: dict[str, Any] = {"role": "assistant", "content": turn.text}
        if calls:
            message["tool_calls"] = calls
        finish = "tool_calls" if calls else "stop"
        common = {"id": self._next_id("chatcmpl"), "created": 1_760_000_000, "model": RESOLVED_MODEL}
        if not body.get("stream"):
            choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            return Reply(
                json_body={**common, "object": "chat.completion", "choices": [choice], "usage": usage}
            )
        return _sse(self._chat_chunks(common, message, finish, usage), done=True)

    @staticmethod
    def _chat_chunks(
        common: dict[str, Any], message: dict[str, Any], finish: str, usage: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        def chunk(delta: dict[str, Any], reason: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "finish_reason": reason, "logprobs": None}
            return {**common, "object": "chat.completion.chunk", "choices": [choice]}

        yield chunk({"role": "assistant", "content": ""})
        for word in _words(message["content"] or ""):
            yield chunk({"content": word})
        for index, tool_call in enumerate(message.get("tool_calls", ())):
            head = {**tool_call, "index": index, "function": {**tool_call["function"], "arguments": ""}}
            yield chunk({"tool_calls": [head]})
            arguments = tool_call["function"]["arguments"]
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments}}]})
        yield chunk({}, finish)
        yield {**common, "object": "chat.completion.chunk", "choices": [], "usage": usage}

    # -- responses -----------------------------------------------------------------------------

    def _responses(self, body: dict[str, Any], turn: Turn) -> Reply:
        output: list[dict[str, Any]] = []
        if turn.text is not None:
            output.append(
                {
                    "id": self._next_id("msg"),
                    "type": "message",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": turn.text, "annotations": []}],
                }
            )
        for tool_call in turn.tool_calls:
            output.append(
                {
                    "id": self._next_id("fc"),
                    "type": "function_call",
                    "status": "completed",
                    "call_id": self._next_id("call"),
                    "name": tool_call.name,
                    "arguments": json.dumps(tool_call.arguments),
                }
            )
        response = {
            "id": self._next_id("resp"),
            "object": "response",
            "created_at": 1_760_000_000,
            "status": "completed",
            "model": RESOLVED_MODEL,
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": turn.input_tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": turn.output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": turn.input_tokens + turn.output_tokens,
            },
        }
        if not body.get("stream"):
            return Reply(json_body=response)
        return _sse(_response_events(response))


def _response_events(response: dict[str, Any]) -> Iterator[dict[str, Any]]:
    sequence = iter(range(1_000))
    created = {**response, "status": "in_progress", "output": [], "usage": None}
    yield {"type": "response.created", "sequence_number": next(sequence), "response": created}
    for index, item in enumerate(response["output"]):
        if item["type"] == "message":
            text = item["content"][0]["text"]
            added = {**item, "status": "in_progress", "content": []}
            yield {"type": "response.output_item.added", "sequence_number": next(sequence),
                   "output_index": index, "item": added}  # fmt: skip
            for word in _words(text):
                yield {"type": "response.output_text.delta", "sequence_number": next(sequence),
                       "item_id": item["id"], "output_index": index, "content_index": 0,
                       "delta": word, "logprobs": []}  # fmt: skip
        else:
            added = {**item, "status": "in_progress", "arguments": ""}
            yield {"type": "response.output_item.added", "sequence_number": next(sequence),
                   "output_index": index, "item": added}  # fmt: skip
            yield {"type": "response.function_call_arguments.delta", "sequence_number": next(sequence),
                   "item_id": item["id"], "output_index": index, "delta": item["arguments"]}  # fmt: skip
        yield {"type": "response.output_item.done", "sequence_number": next(sequence),
               "output_index": index, "item": item}  # fmt: skip
    yield {"type": "response.completed", "sequence_number": next(sequence), "response": response}


def _words(text: str) -> list[str]:
    if not text:
        return []
    words = text.split(" ")
    return [words[0], *(" " + w for w in words[1:])]


def _sse(events: Iterator[dict[str, Any]], done: bool = False) -> Reply:
    """Server-sent events; Responses events are named, chat chunks end with ``[DONE]``."""
    frames = []
    for event in events:
        name = event["type"] if "sequence_number" in event else None
        frames.append(((f"event: {name}\n" if name else "") + f"data: {json.dumps(event)}\n\n").encode())
    if done:
        frames.append(b"data: [DONE]\n\n")
    return Reply(frames=frames, content_type="text/event-stream")


def _error(status: int, code: str, message: str) -> Reply:
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    return Reply(status=status, json_body={"error": error})
