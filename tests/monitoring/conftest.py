from __future__ import annotations

import pytest

import openai
from otel_llm.demo.fake_server import FakeOpenAIServer
from otel_llm.instrumentation.openai import OpenAIInstrumentor
from otel_llm.telemetry import prompts


@pytest.fixture
def instrument_openai(otel):
    """Instrument OpenAI on the test's global providers: ``instrument_openai(capture_mode=...)``."""
    instrumentor = OpenAIInstrumentor()

    def instrument(**settings):
        instrumentor.instrument(**settings)
        return instrumentor

    yield instrument
    instrumentor.uninstrument()


@pytest.fixture(scope="module")
def fake_server():
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def client(fake_server):
    return openai.OpenAI(base_url=fake_server.base_url, api_key="sk-test", max_retries=0)


@pytest.fixture
def async_client(fake_server):
    return openai.AsyncOpenAI(base_url=fake_server.base_url, api_key="sk-test", max_retries=0)


@pytest.fixture(autouse=True)
def _fresh_prompt_labels(monkeypatch):
    """Each test starts with no admitted (name, version) pairs and the default cap."""
    monkeypatch.delenv(prompts.METRIC_NAMES_ENV, raising=False)
    monkeypatch.delenv(prompts.METRIC_LIMIT_ENV, raising=False)
    prompts.reset_metric_labels()
    yield
    prompts.reset_metric_labels()
