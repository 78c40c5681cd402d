from __future__ import annotations

import pytest

from otel_llm.config import load_settings
from otel_llm.instrumentation.llamaindex import LlamaIndexInstrumentor
from otel_llm.instrumentation.openai import OpenAIInstrumentor
from otel_llm.telemetry.invocation import GenAITelemetry
from tests.frameworks_server import ScriptedOpenAI

TOOL_ARGS = {
    "get_weather": {"city": "Paris"},
    "handoff": {"to_agent": "weather", "reason": "a weather question"},
}


@pytest.fixture
def instrument(otel):
    """``instrument(sdk=False, **settings)``: LlamaIndex (and the OpenAI SDK) on the test's providers."""
    done = []

    def run(sdk: bool = False, **settings):
        telemetry = GenAITelemetry(load_settings(env={}, **settings))
        for instrumentor in [LlamaIndexInstrumentor()] + ([OpenAIInstrumentor()] if sdk else []):
            instrumentor.instrument(telemetry=telemetry)
            done.append(instrumentor)
        return telemetry

    yield run
    for instrumentor in done:
        instrumentor.uninstrument()


@pytest.fixture
def server():
    with ScriptedOpenAI(TOOL_ARGS) as scripted:
        yield scripted
