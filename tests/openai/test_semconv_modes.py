"""Recorded OpenAI scenarios in each ``OTEL_SEMCONV_STABILITY_OPT_IN`` mode: the exact names of each mode
(the expected telemetry through ``tests/semconv_modes.py``), checked against that mode's registry."""

from __future__ import annotations

import pytest

from otel_llm.config import SEMCONV_OPT_IN_ENV
from tests.semconv_modes import OPT_IN_VALUES

from .test_recorded import test_recorded_scenario as check_scenario

# a sync and an async chat, streams (chunk metrics), reasoning and cache tokens, Responses, embeddings
SCENARIOS = (
    "chat",
    "chat_async",
    "chat_stream",
    "chat_reasoning",
    "chat_prompt_caching",
    "responses_stream",
    "embeddings",
)


@pytest.mark.parametrize("opt_in", OPT_IN_VALUES.values(), ids=OPT_IN_VALUES.keys())
@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_scenario_in_mode(scenario: str, opt_in: str, monkeypatch, otel, instrument_openai) -> None:
    monkeypatch.setenv(SEMCONV_OPT_IN_ENV, opt_in)
    await check_scenario(scenario, "EVENT_ONLY", otel, instrument_openai)
