from __future__ import annotations

import pytest

from otel_llm.config import (
    CaptureMode,
    ChunkMetric,
    SemconvMode,
    load_settings,
    parse_capture_mode,
    parse_semconv_mode,
)


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


@pytest.mark.parametrize(
    ("raw", "mode"),
    [
        (None, SemconvMode.DEFAULT),
        ("", SemconvMode.DEFAULT),
        ("http", SemconvMode.DEFAULT),
        ("gen_ai_latest_experimental", SemconvMode.LATEST),
        ("http/dup, GEN_AI_LATEST_EXPERIMENTAL", SemconvMode.LATEST),
        ("gen_ai_latest_experimental/dup", SemconvMode.DUP),
        ("gen_ai_latest_experimental,gen_ai_latest_experimental/dup", SemconvMode.DUP),
    ],
)
def test_semconv_mode(raw, mode) -> None:
    assert parse_semconv_mode(raw) is mode
    assert (
        load_settings({"OTEL_SEMCONV_STABILITY_OPT_IN": raw} if raw is not None else {}).semconv_mode is mode
    )


def test_semconv_mode_override() -> None:
    env = {"OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental"}
    assert load_settings(env, semconv_mode=None).semconv_mode is SemconvMode.LATEST
    assert load_settings(env, semconv_mode="").semconv_mode is SemconvMode.DEFAULT
    assert load_settings({}, semconv_mode="gen_ai_latest_experimental/dup").semconv_mode is SemconvMode.DUP
    assert (SemconvMode.DUP.emits_default, SemconvMode.DUP.emits_latest) == (True, True)
    assert (SemconvMode.LATEST.emits_default, SemconvMode.DEFAULT.emits_latest) == (False, False)
