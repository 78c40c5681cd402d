from __future__ import annotations

import pytest

from otel_llm.telemetry import prompts
from tests.openai.conftest import async_client, client, fake_server, instrument_openai  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_prompt_labels(monkeypatch):
    """Each test starts with no admitted (name, version) pairs and the default cap."""
    monkeypatch.delenv(prompts.METRIC_NAMES_ENV, raising=False)
    monkeypatch.delenv(prompts.METRIC_LIMIT_ENV, raising=False)
    prompts.reset_metric_labels()
    yield
    prompts.reset_metric_labels()
