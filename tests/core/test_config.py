from __future__ import annotations

import pytest

from otel_llm.config import CaptureMode, ChunkMetric, load_settings, parse_capture_mode


@pytest.mark.parametrize(
    ("raw", "mode"),
    [
        (None, CaptureMode.NO_CONTENT),
        ("", CaptureMode.NO_CONTENT),
        ("NO_CONTENT", CaptureMode.NO_CONTENT),
        ("SPAN_ONLY", CaptureMode.SPAN_ONLY),
        ("event_only", CaptureMode.EVENT_ONLY),
        ("SPAN_AND_EVENT", CaptureMode.SPAN_AND_EVENT),
        ("true", CaptureMode.SPAN_AND_EVENT),
        ("True", CaptureMode.SPAN_AND_EVENT),
        ("false", CaptureMode.NO_CONTENT),
        ("bogus", CaptureMode.NO_CONTENT),
    ],
)
def test_capture_mode(raw, mode) -> None:
    assert parse_capture_mode(raw) is mode


def test_settings_from_environment_and_overrides() -> None:
    env = {
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY",
        "OTEL_LLM_CONTENT_MAX_LENGTH": "512",
        "OTEL_LLM_PRICES_FILE": "/tmp/prices.json",
        "OTEL_LLM_CHUNK_METRIC": "off",
    }
    settings = load_settings(env)
    assert settings.capture_mode is CaptureMode.SPAN_ONLY
    assert settings.content_max_length == 512
    assert settings.prices_file == "/tmp/prices.json"
    assert settings.chunk_metric is ChunkMetric.OFF
    assert load_settings(env, capture_mode="EVENT_ONLY").capture_mode is CaptureMode.EVENT_ONLY
    assert load_settings({"OTEL_LLM_CONTENT_MAX_LENGTH": "many"}).content_max_length == 16384
