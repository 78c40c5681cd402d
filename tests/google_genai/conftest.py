from __future__ import annotations

import pytest

from otel_llm.instrumentation.google_genai import GoogleGenAIInstrumentor

from ..recorded_genai import instrument_fixture
from ..wire_server import WireServer
from .fake_gemini import route

instrument = instrument_fixture(GoogleGenAIInstrumentor)


@pytest.fixture(scope="session")
def fake_server():
    with WireServer(route) as server:
        yield server


@pytest.fixture
def client(fake_server):
    from google import genai
    from google.genai import types

    return genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=fake_server.base_url))
