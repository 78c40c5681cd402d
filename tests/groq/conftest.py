from __future__ import annotations

import pytest

from otel_llm.instrumentation.groq import GroqInstrumentor

from ..recorded_genai import instrument_fixture
from ..wire_server import WireServer
from .fake_groq import route

instrument = instrument_fixture(GroqInstrumentor)


@pytest.fixture(scope="session")
def fake_server():
    with WireServer(route) as server:
        yield server


@pytest.fixture
def client(fake_server):
    import groq

    return groq.Groq(api_key="gsk-test", base_url=fake_server.base_url, max_retries=0)


@pytest.fixture
def async_client(fake_server):
    import groq

    return groq.AsyncGroq(api_key="gsk-test", base_url=fake_server.base_url, max_retries=0)
