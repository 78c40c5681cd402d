from __future__ import annotations

import pytest

from otel_llm.instrumentation.langchain import LangChainInstrumentor
from tests.frameworks_server import ScriptedOpenAI, instrument_fixture

TOOL_ARGS = {"get_weather": {"city": "Paris"}, "get_time": {"city": "Paris"}}

instrument = instrument_fixture(LangChainInstrumentor)


@pytest.fixture
def server():
    with ScriptedOpenAI(TOOL_ARGS) as scripted:
        yield scripted
