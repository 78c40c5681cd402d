from __future__ import annotations

import os

import pytest

from otel_llm.demo.fake_server import FakeOpenAIServer
from otel_llm.instrumentation.litellm import LiteLLMInstrumentor
from otel_llm.instrumentation.openai import OpenAIInstrumentor

from ..recorded_genai import instrument_fixture

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the price map from the network

instrument = instrument_fixture(LiteLLMInstrumentor)
instrument_openai = instrument_fixture(OpenAIInstrumentor)


@pytest.fixture
def fake_server():
    """LiteLLM's ``openai/`` models speak the OpenAI wire format the fake server serves. One server per
    test: its response ids count requests, so each test sees the same ids whatever ran before."""
    with FakeOpenAIServer() as server:
        yield server
