"""Fixtures of the reliability suite: the OpenAI tests' server, client and instrumentation; a policy."""

from __future__ import annotations

import pytest

from otel_llm import guardrails
from otel_llm.guardrails import Policy, Rule
from otel_llm.guardrails.detectors.pii import PIIDetector
from otel_llm.guardrails.detectors.secrets import SecretsDetector

from ..openai.conftest import client, fake_server, instrument_openai

__all__ = ["client", "fake_server", "instrument_openai"]  # the OpenAI tests' fixtures, shared


@pytest.fixture
def redacting_policy():
    """PII and secrets redacted in inputs and outputs."""
    policy = Policy(
        "reliability",
        [Rule("pii", PIIDetector(), "redact", "both"), Rule("secrets", SecretsDetector(), "redact", "both")],
    )
    guardrails.install(policy)
    yield policy
    guardrails.uninstall()
