from __future__ import annotations

import pytest

from otel_llm.instrumentation.openai import OpenAIInstrumentor


@pytest.fixture
def instrument_openai(otel):
    """Instrument OpenAI on the test's global providers: ``instrument_openai(capture_mode=...)``."""
    instrumentor = OpenAIInstrumentor()

    def instrument(**settings):
        instrumentor.instrument(**settings)
        return instrumentor

    yield instrument
    instrumentor.uninstrument()
