from __future__ import annotations

from otel_llm.instrumentation.anthropic import AnthropicInstrumentor
from tests.recorded_genai import instrument_fixture

instrument_anthropic = instrument_fixture(AnthropicInstrumentor)
