"""Fixtures of the reliability suite: the fake OpenAI server, instrumented clients, guardrail policies."""

from __future__ import annotations

import pytest

import openai
from otel_llm import guardrails
from otel_llm.demo.fake_server import FakeOpenAIServer
from otel_llm.guardrails import Policy, Rule
from otel_llm.guardrails.detectors.pii import PIIDetector
from otel_llm.guardrails.detectors.secrets import SecretsDetector
from otel_llm.instrumentation.openai import OpenAIInstrumentor


@pytest.fixture(scope="module")
def openai_server():
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def openai_client(openai_server):
    return openai.OpenAI(base_url=openai_server.base_url, api_key="sk-test", max_retries=0)


@pytest.fixture
def instrument_openai(otel):
    """``instrument_openai(**settings)``: OpenAI instrumented for one test."""
    instrumentor = OpenAIInstrumentor()

    def instrument(**settings):
        instrumentor.instrument(**settings)
        return instrumentor

    yield instrument
    instrumentor.uninstrument()


@pytest.fixture
def redacting_policy():
    """PII and secrets redacted in inputs and outputs."""
    policy = Policy(
        "reliability",
        [Rule("pii", PIIDetector(), "redact", "both"), Rule("secrets", SecretsDetector(), "redact", "both")],
    )
    guardrails.install(policy)
    yield policy
    guardrails.uninstall()
