from __future__ import annotations

import pytest

from otel_llm.instrumentation.cohere import CohereInstrumentor

from ..recorded_genai import instrument_fixture
from ..wire_server import WireServer
from .fake_cohere import route

instrument = instrument_fixture(CohereInstrumentor)


@pytest.fixture(scope="session")
def fake_server():
    with WireServer(route) as server:
        yield server
