"""The literal names an Anthropic prompt-caching call emits in each ``OTEL_SEMCONV_STABILITY_OPT_IN`` mode
(cache writes are the one span attribute renamed); every recorded scenario runs in each mode in
``test_recorded.py``."""

from __future__ import annotations

import pytest

from otel_llm.config import SEMCONV_OPT_IN_ENV
from tests.semconv_modes import CACHE_CREATION, CACHE_WRITE

from .recorded import replay_sync

DEFAULT_METRICS = {"gen_ai.client.operation.duration", "gen_ai.client.token.usage"}
LATEST_METRICS = {
    "gen_ai.client.inference.duration",
    "gen_ai.client.inference.usage.input_tokens",
    "gen_ai.client.inference.usage.output_tokens",
    "gen_ai.client.inference.usage.cache_read.input_tokens",
    "gen_ai.client.inference.usage.cache_write.input_tokens",
    "gen_ai.client.inference.operation.input_tokens",
    "gen_ai.client.inference.operation.output_tokens",
}


@pytest.mark.parametrize(
    ("opt_in", "cache_keys", "metric_names"),
    [
        ("", {CACHE_CREATION}, DEFAULT_METRICS),
        ("gen_ai_latest_experimental", {CACHE_WRITE}, LATEST_METRICS),
        ("gen_ai_latest_experimental/dup", {CACHE_CREATION, CACHE_WRITE}, DEFAULT_METRICS | LATEST_METRICS),
    ],
    ids=["default", "latest", "dup"],
)
def test_prompt_caching_names(
    opt_in, cache_keys, metric_names, monkeypatch, otel, instrument_anthropic
) -> None:
    monkeypatch.setenv(SEMCONV_OPT_IN_ENV, opt_in)
    instrument_anthropic()
    replay_sync("test_prompt_caching/test_anthropic_prompt_caching_legacy.yaml", "create")
    first, second = otel.spans()  # the first call writes the cache, the second reads it
    assert {key: first.attributes[key] for key in cache_keys} == dict.fromkeys(cache_keys, 1163)
    assert {key: second.attributes[key] for key in cache_keys} == dict.fromkeys(cache_keys, 0)
    assert not ({CACHE_CREATION, CACHE_WRITE} - cache_keys) & set(first.attributes)
    points = otel.metric_points()
    assert {name for name, found in points.items() if found and name.startswith("gen_ai.")} == metric_names
    if CACHE_WRITE in cache_keys:
        (written,) = points["gen_ai.client.inference.usage.cache_write.input_tokens"]
        assert written.value == 1163
        (durations,) = points["gen_ai.client.inference.duration"]
        assert durations.count == 2
