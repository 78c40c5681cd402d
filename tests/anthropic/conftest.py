from __future__ import annotations

import pytest

from otel_llm.instrumentation.anthropic import AnthropicInstrumentor


@pytest.fixture
def instrument_anthropic(otel):
    """Instrument Anthropic on the test's global providers: ``instrument_anthropic(capture_mode=...)``."""
    instrumentor = AnthropicInstrumentor()

    def instrument(**settings):
        instrumentor.instrument(**settings)
        return instrumentor

    yield instrument
    instrumentor.uninstrument()
