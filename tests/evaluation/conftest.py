"""Fixtures of the evaluation tests: the instrumented OpenAI SDK against the demo's fake provider."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from otel_llm.demo.fake_server import FakeOpenAIServer
from otel_llm.instrumentation.openai import OpenAIInstrumentor

from .eval_app import BASE_URL_ENV


@pytest.fixture
def instrumented(otel) -> Iterator[Any]:
    """OpenAI instrumented on the test's global providers, with message content on spans."""
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(capture_mode="SPAN_ONLY")
    yield otel
    instrumentor.uninstrument()


@pytest.fixture
def fake_openai(monkeypatch) -> Iterator[Callable[[Callable[[dict], str]], FakeOpenAIServer]]:
    """Start the fake provider with a responder; the sample app (eval_app) is pointed at it."""
    servers: list[FakeOpenAIServer] = []

    def start(responder: Callable[[dict], str]) -> FakeOpenAIServer:
        server = FakeOpenAIServer(responder=responder).start()
        servers.append(server)
        monkeypatch.setenv(BASE_URL_ENV, server.base_url)
        return server

    yield start
    for server in servers:
        server.stop()


def last_user_text(body: dict) -> str:
    return next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
