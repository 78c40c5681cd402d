from __future__ import annotations

import pytest

from otel_llm.instrumentation.mistral import MistralInstrumentor

from ..recorded_genai import instrument_fixture
from ..wire_server import WireServer
from .fake_mistral import route

instrument = instrument_fixture(MistralInstrumentor)


@pytest.fixture(scope="session")
def fake_server():
    with WireServer(route) as server:
        yield server


@pytest.fixture
def client(fake_server):
    from mistralai.client import Mistral

    return Mistral(api_key="test-key", server_url=fake_server.base_url)
