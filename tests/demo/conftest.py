"""Fixtures of the demo tests: the fake OpenAI server and the instrumented SDK on the global providers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import openai
import pytest

from otel_llm.demo.fake_server import FakeOpenAIServer
from otel_llm.instrumentation.openai import OpenAIInstrumentor


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAIServer]:
    """A fresh server per test, so response and tool-call ids are the same in every run."""
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def client(fake_server: FakeOpenAIServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake_server.base_url, api_key="sk-demo", max_retries=0)


@pytest.fixture
def instrument_openai(otel) -> Iterator[Callable[..., OpenAIInstrumentor]]:
    """Instrument OpenAI on the test's global providers: ``instrument_openai(capture_mode=...)``."""
    instrumentor = OpenAIInstrumentor()

    def instrument(**settings: object) -> OpenAIInstrumentor:
        instrumentor.instrument(**settings)
        return instrumentor

    yield instrument
    instrumentor.uninstrument()
