"""A scripted OpenAI-compatible server on loopback for agent tests: it calls the request's tools in order.

For a chat request with tools, the answer is a call of the first tool that has no result in the
conversation yet (arguments from ``tool_args``); once every tool has answered (or without tools) it is
the final text. The answer depends only on the request, so concurrent runs get their own scripts.
Every reply's usage is kept in ``usages`` so tests can compare token sums with what the server billed.
Streams (``stream: true``) are SSE chunks with the usage chunk when ``stream_options.include_usage``.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from tests.wire_server import Reply, WireServer, sse

ANSWER = "It is sunny in Paris at noon."


class ScriptedOpenAI:
    def __init__(
        self, tool_args: dict[str, dict[str, Any]] | None = None, model: str = "gpt-4o-mini"
    ) -> None:
        self.tool_args = tool_args or {}
        self.model = model
        self.usages: list[dict[str, int]] = []
        self._lock = threading.Lock()
        self._count = 0
        self._server = WireServer(self._route)

    @property
    def base_url(self) -> str:
        return f"{self._server.base_url}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        return [r for r in self._server.requests if r["path"].endswith("/chat/completions")]

    def __enter__(self) -> ScriptedOpenAI:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)

    def _next_id(self) -> int:
        with self._lock:
            self._count += 1
            return self._count

    def _route(self, method: str, path: str, body: Any) -> Reply:
        if path.endswith("/embeddings"):
            return self._embeddings(body)
        messages = body.get("messages", [])
        answered = {m.get("tool_call_id") for m in messages if m.get("role") == "tool"}
        called = [
            call["function"]["name"]
            for m in messages
            if m.get("role") == "assistant"
            for call in m.get("tool_calls") or ()
            if call["id"] in answered
        ]
        pending = [
            t["function"]["name"] for t in body.get("tools") or () if t["function"]["name"] not in called
        ]
        number = self._next_id()
        usage = {"prompt_tokens": 20 + 7 * len(messages), "completion_tokens": 4 + len(called)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        with self._lock:
            self.usages.append(usage)
        if pending:
            name = pending[0]
            call = {"id": f"call_{number}", "type": "function", "function": {"name": name, "arguments": ""}}
            call["function"]["arguments"] = json.dumps(self.tool_args.get(name, {}))
            message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [call]}
            finish = "tool_calls"
        else:
            message, finish = {"role": "assistant", "content": ANSWER}, "stop"
        common = {
            "id": f"chatcmpl-{number}",
            "created": int(time.time()),
            "model": f"{self.model}-2024-07-18",
        }
        if not body.get("stream"):
            choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
            return Reply(
                json_body={**common, "object": "chat.completion", "choices": [choice], "usage": usage}
            )
        return sse(self._chunks(common, message, finish, usage, body), done=True)

    @staticmethod
    def _chunks(common: dict, message: dict, finish: str, usage: dict, body: dict) -> list[dict]:
        def chunk(delta: dict, reason: str | None = None) -> dict:
            choice = {"index": 0, "delta": delta, "finish_reason": reason, "logprobs": None}
            return {**common, "object": "chat.completion.chunk", "choices": [choice]}

        if message.get("tool_calls"):
            call = message["tool_calls"][0]
            deltas = [{"role": "assistant", "tool_calls": [{"index": 0, **call}]}]
        else:
            words = message["content"].split(" ")
            deltas = [{"role": "assistant", "content": ""}] + [
                {"content": word if i == 0 else f" {word}"} for i, word in enumerate(words)
            ]
        chunks = [chunk(delta) for delta in deltas] + [chunk({}, finish)]
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append({**common, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        return chunks

    def _embeddings(self, body: dict) -> Reply:
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(text) % 7), 1.0, 0.5]}
            for i, text in enumerate(inputs)
        ]
        tokens = sum(max(1, len(str(text)) // 4) for text in inputs)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return Reply(json_body={"object": "list", "data": data, "model": body["model"], "usage": usage})


def instrument_fixture(framework_instrumentor: type) -> Any:
    """A fixture ``instrument(sdk=False, **settings)``: the framework's instrumentor (and, with ``sdk=True``,
    the OpenAI SDK's) on the test's global providers, sharing one telemetry; undone after the test."""
    import os

    import pytest

    from otel_llm.config import SEMCONV_OPT_IN_ENV, load_settings
    from otel_llm.instrumentation.openai import OpenAIInstrumentor
    from otel_llm.telemetry.invocation import GenAITelemetry

    @pytest.fixture
    def instrument(otel):
        done = []

        def run(sdk: bool = False, **settings):
            # no OTEL_* setting of the session but the semconv mode the test runs in
            env = {key: os.environ[key] for key in (SEMCONV_OPT_IN_ENV,) if key in os.environ}
            telemetry = GenAITelemetry(load_settings(env=env, **settings))
            for instrumentor in [framework_instrumentor()] + ([OpenAIInstrumentor()] if sdk else []):
                instrumentor.instrument(telemetry=telemetry)
                done.append(instrumentor)
            return telemetry

        yield run
        for instrumentor in done:
            instrumentor.uninstrument()

    return instrument


def run_instrumented_script(script: str) -> str:
    """Run ``script`` in a fresh interpreter with spans printed by the console exporter; its stdout."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "OTEL_TRACES_EXPORTER": "console",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
