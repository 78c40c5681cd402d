from __future__ import annotations

import pytest

from otel_llm.instrumentation.bedrock import BedrockInstrumentor


@pytest.fixture(autouse=True)
def _fake_aws_environment(monkeypatch, tmp_path):
    """Fake credentials, and no ~/.aws files or instance metadata: tests never find real ones."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def instrument_bedrock(otel):
    """Instrument Bedrock on the test's global providers: ``instrument_bedrock(capture_mode=...)``."""
    instrumentor = BedrockInstrumentor()

    def instrument(**settings):
        instrumentor.instrument(**settings)
        return instrumentor

    yield instrument
    instrumentor.uninstrument()
