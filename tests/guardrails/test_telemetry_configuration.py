"""Guardrail events of instrumented calls follow the telemetry configuration of ``instrument()``: its
capture mode and its content hook, not the environment (issue 18, bug 9)."""

from __future__ import annotations

import pytest

import openai
from otel_llm import guardrails
from otel_llm.demo.fake_server import FakeOpenAIServer
from otel_llm.guardrails import Policy, Rule
from otel_llm.guardrails.detectors.pii import PIIDetector
from otel_llm.instrumentation.openai import OpenAIInstrumentor
from otel_llm.semconv import attributes as A

from .. import guardrail_wiring as wiring

CAPTURE_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
PROMPT = "Mail ann@example.org the report"


@pytest.fixture(scope="module")
def server():
    with FakeOpenAIServer(responder=lambda body: "Done.") as running:
        yield running


@pytest.fixture
def warn_on_email():
    guardrails.install(Policy("config", [Rule("pii", PIIDetector(), "redact", "input")]))
    yield
    guardrails.uninstall()


def _guardrail_events(otel, server, **settings) -> list[dict]:
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(**settings)
    try:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}])
    finally:
        instrumentor.uninstrument()
    return wiring.guardrail_events(otel)


def test_capture_mode_argument_puts_content_on_guardrail_events(otel, server, warn_on_email, monkeypatch):
    monkeypatch.delenv(CAPTURE_ENV, raising=False)
    [event] = _guardrail_events(otel, server, capture_mode="EVENT_ONLY")
    assert event[A.GEN_AI_GUARDRAIL_CONTENT_INPUT_VALUE] == PROMPT
    assert event[A.GEN_AI_GUARDRAIL_CONTENT_OUTPUT_VALUE] == "Mail <EMAIL_ADDRESS> the report"


def test_no_content_argument_wins_over_the_environment(otel, server, warn_on_email, monkeypatch):
    monkeypatch.setenv(CAPTURE_ENV, "SPAN_AND_EVENT")
    [event] = _guardrail_events(otel, server, capture_mode="NO_CONTENT")
    assert event[A.GEN_AI_GUARDRAIL_POLICY_RULE_ID] == "pii"
    assert A.GEN_AI_GUARDRAIL_CONTENT_INPUT_VALUE not in event
    assert A.GEN_AI_GUARDRAIL_CONTENT_OUTPUT_VALUE not in event


def test_content_hook_applies_to_guardrail_events(otel, server, warn_on_email, monkeypatch):
    monkeypatch.delenv(CAPTURE_ENV, raising=False)
    seen = []

    def hook(key, value):
        seen.append(key)
        return None if key == A.GEN_AI_GUARDRAIL_CONTENT_INPUT_VALUE else value.upper()

    [event] = _guardrail_events(otel, server, capture_mode="EVENT_ONLY", content_hook=hook)
    assert A.GEN_AI_GUARDRAIL_CONTENT_INPUT_VALUE not in event  # the hook dropped the unredacted text
    assert event[A.GEN_AI_GUARDRAIL_CONTENT_OUTPUT_VALUE] == "MAIL <EMAIL_ADDRESS> THE REPORT"
    assert {A.GEN_AI_GUARDRAIL_CONTENT_INPUT_VALUE, A.GEN_AI_GUARDRAIL_CONTENT_OUTPUT_VALUE} <= set(seen)
