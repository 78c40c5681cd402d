from __future__ import annotations

import pytest

from otel_llm.instrumentation.llamaindex import LlamaIndexInstrumentor
from tests.frameworks_server import ScriptedOpenAI, instrument_fixture

TOOL_ARGS = {
    "get_weather": {"city": "Paris"},
    "handoff": {"to_agent": "weather", "reason": "a weather question"},
}

instrument = instrument_fixture(LlamaIndexInstrumentor)


@pytest.fixture
def server():
    with ScriptedOpenAI(TOOL_ARGS) as scripted:
        yield scripted
