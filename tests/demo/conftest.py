"""Fixtures of the demo tests: a fresh fake OpenAI server and the instrumented SDK."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import openai
from otel_llm.demo.app import answer
from otel_llm.demo.fake_server import FakeOpenAIServer
from otel_llm.instrumentation.openai import OpenAIInstrumentor

from ..recorded_genai import instrument_fixture

instrument_openai = instrument_fixture(OpenAIInstrumentor)


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAIServer]:
    """A fresh server per test, so response and tool-call ids are the same in every run."""
    with FakeOpenAIServer(answer) as server:  # the demo's own answers, as `otel-llm demo` runs it
        yield server


@pytest.fixture
def client(fake_server: FakeOpenAIServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake_server.base_url, api_key="sk-demo", max_retries=0)
