from __future__ import annotations

import pytest

from otel_llm.instrumentation.ollama import OllamaInstrumentor

from ..recorded_genai import instrument_fixture
from ..wire_server import WireServer
from .fake_ollama import route

instrument = instrument_fixture(OllamaInstrumentor)


@pytest.fixture(scope="session")
def fake_server():
    with WireServer(route) as server:
        yield server
