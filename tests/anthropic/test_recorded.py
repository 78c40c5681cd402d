"""Every recorded Anthropic scenario, through the real SDK, under each content-capture mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.recorded_genai import MODES, ExpectedTelemetry
from tests.semconv_modes import ALL_SEMCONV_MODES

from .recorded import recorded_calls, replay_async, replay_sync

EXPECTED = ExpectedTelemetry(Path(__file__).parent / "expected.json")
M = "test_messages/"
SCENARIOS = {
    # name: (cassette, async?, style, covers-mode, feature)
    "create": (M + "test_anthropic_message_create_legacy.yaml", False, "create", "sync", None),
    "create_async": (M + "test_async_anthropic_message_create_legacy.yaml", True, "create", "async", None),
    "create_system_async": (M + "test_with_asyncio_run_legacy.yaml", True, "create", "async", None),
    "multi_modal": (M + "test_anthropic_multi_modal_legacy.yaml", False, "create", "sync", "multimodal"),
    "multi_modal_async": (
        M + "test_anthropic_async_multi_modal_legacy.yaml",
        True,
        "create",
        "async",
        "multimodal",
    ),
    "image_history": (M + "test_anthropic_image_with_history.yaml", False, "create", "sync", "multimodal"),
    "stream": (M + "test_anthropic_message_streaming_legacy.yaml", False, "create", "stream", None),
    "stream_async": (
        M + "test_async_anthropic_message_streaming_legacy.yaml",
        True,
        "create",
        "async_stream",
        None,
    ),
    "tools": (M + "test_anthropic_tools_legacy.yaml", False, "create", "sync", "tools"),
    "tools_history": (M + "test_anthropic_tools_history_legacy.yaml", False, "create", "sync", "tools"),
    "tools_stream": (M + "test_anthropic_tools_streaming_legacy.yaml", False, "create", "stream", "tools"),
    "stream_helper": (
        M + "test_anthropic_message_stream_manager_legacy.yaml",
        False,
        "final",
        "stream",
        "stream_helper",
    ),
    "stream_helper_async": (
        M + "test_async_anthropic_message_stream_manager_legacy.yaml",
        True,
        "final",
        "async_stream",
        "stream_helper",
    ),
    "stream_helper_methods": (
        M + "test_anthropic_sync_streaming_helper_methods_legacy.yaml",
        False,
        "final",
        "stream",
        "stream_helper",
    ),
    "stream_helper_methods_async": (
        M + "test_anthropic_streaming_helper_methods_legacy.yaml",
        True,
        "final",
        "async_stream",
        "stream_helper",
    ),
    "text_stream_helper": (
        M + "test_anthropic_text_stream_helper_method_legacy.yaml",
        False,
        "text",
        "stream",
        "stream_helper",
    ),
    "beta_stream_helper_async": (
        M + "test_async_anthropic_beta_message_stream_manager_legacy.yaml",
        True,
        "text",
        "async_stream",
        "beta",
    ),
    "prompt_caching": (
        "test_prompt_caching/test_anthropic_prompt_caching_legacy.yaml",
        False,
        "create",
        "sync",
        "prompt_caching",
    ),
    "prompt_caching_async": (
        "test_prompt_caching/test_anthropic_prompt_caching_async_legacy.yaml",
        True,
        "create",
        "async",
        "prompt_caching",
    ),
    "prompt_caching_stream": (
        "test_prompt_caching/test_anthropic_prompt_caching_stream_legacy.yaml",
        False,
        "create",
        "stream",
        "prompt_caching",
    ),
    "prompt_caching_stream_async": (
        "test_prompt_caching/test_anthropic_prompt_caching_async_stream_legacy.yaml",
        True,
        "create",
        "async_stream",
        "prompt_caching",
    ),
    "thinking": ("test_thinking/test_anthropic_thinking_legacy.yaml", False, "create", "sync", "reasoning"),
    "thinking_async": (
        "test_thinking/test_async_anthropic_thinking_legacy.yaml",
        True,
        "create",
        "async",
        "reasoning",
    ),
    "thinking_stream": (
        "test_thinking/test_anthropic_thinking_streaming_legacy.yaml",
        False,
        "create",
        "stream",
        "reasoning",
    ),
    "thinking_stream_async": (
        "test_thinking/test_async_anthropic_thinking_streaming_legacy.yaml",
        True,
        "create",
        "async_stream",
        "reasoning",
    ),
    "structured_output_beta": (
        "test_structured_outputs/test_anthropic_structured_outputs_legacy.yaml",
        False,
        "create",
        "sync",
        "beta",
    ),
    "bedrock_client_async": (
        "test_bedrock_with_raw_response/test_async_anthropic_bedrock_regular_create.yaml",
        True,
        "create",
        "async",
        "anthropic_sdk",
    ),
    "bedrock_client_raw_async": (
        "test_bedrock_with_raw_response/test_async_anthropic_bedrock_with_raw_response.yaml",
        True,
        "raw",
        "async",
        "anthropic_sdk",
    ),
    "bedrock_client_beta_raw_async": (
        "test_bedrock_with_raw_response/test_async_anthropic_bedrock_beta_with_raw_response.yaml",
        True,
        "beta_raw",
        "async",
        "anthropic_sdk",
    ),
}


def _params():
    for name in sorted(SCENARIOS):
        _, _, _, mode, feature = SCENARIOS[name]
        provider = "aws.bedrock" if feature == "anthropic_sdk" else "anthropic"  # AnthropicBedrock clients
        covers = pytest.mark.covers(provider=provider, operation="chat", mode=mode, feature=feature)
        for capture in MODES:
            yield pytest.param(name, capture, marks=covers, id=f"{name}-{capture}")


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(("scenario", "mode"), list(_params()))
async def test_recorded_scenario(scenario: str, mode: str, otel, instrument_anthropic) -> None:
    instrument_anthropic(capture_mode=mode)
    cassette, is_async, style, _, _ = SCENARIOS[scenario]
    results = await replay_async(cassette, style) if is_async else replay_sync(cassette, style)
    EXPECTED.check(scenario, mode, otel, results)


def test_every_scenario_replays_its_own_recorded_requests() -> None:
    for cassette, *_ in SCENARIOS.values():
        assert recorded_calls(cassette), cassette
