from __future__ import annotations

import pytest

from otel_llm.instrumentation.langchain import LangChainInstrumentor
from otel_llm.instrumentation.openai import OpenAIInstrumentor
from tests.frameworks_server import ScriptedOpenAI

TOOL_ARGS = {"get_weather": {"city": "Paris"}, "get_time": {"city": "Paris"}}


@pytest.fixture
def instrument(otel):
    """``instrument(sdk=False, **settings)``: LangChain (and, with ``sdk=True``, the OpenAI SDK) on the
    test's global providers; undone after the test."""
    done = []

    def run(sdk: bool = False, **settings):
        from otel_llm.config import load_settings
        from otel_llm.telemetry.invocation import GenAITelemetry

        telemetry = GenAITelemetry(load_settings(env={}, **settings))
        instrumentors = [LangChainInstrumentor()] + ([OpenAIInstrumentor()] if sdk else [])
        for instrumentor in instrumentors:
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
