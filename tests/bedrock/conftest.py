from __future__ import annotations

import pytest

from otel_llm.instrumentation.bedrock import BedrockInstrumentor
from tests.recorded_genai import instrument_fixture

from ..wire_server import WireServer
from .fake_bedrock import route


@pytest.fixture(autouse=True)
def _fake_aws_environment(monkeypatch, tmp_path):
    """Fake credentials, and no ~/.aws files or instance metadata: tests never find real ones."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


instrument_bedrock = instrument_fixture(BedrockInstrumentor)


@pytest.fixture(scope="session")
def fake_server():
    with WireServer(route) as server:
        yield server


@pytest.fixture
def client(fake_server, _fake_aws_environment):
    import boto3

    return boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=fake_server.base_url)
