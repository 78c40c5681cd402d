"""Every recorded Cohere v2 scenario through the real ``ClientV2``/``AsyncClientV2``, in each content mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from otel_llm.semconv import attributes as A
from tests.semconv_modes import ALL_SEMCONV_MODES

from ..recorded_genai import ExpectedTelemetry, covered_cases, recorded_bodies, replay_cassette, replayer

CASSETTES = Path(__file__).parent / "cassettes"
EXPECTED = ExpectedTelemetry(Path(__file__).parent / "expected.json")
REPLAY = replayer(CASSETTES)
PROVIDER = A.GenAiProviderNameValues.COHERE
CHAT = A.GenAiOperationNameValues.CHAT
EMBEDDINGS = A.GenAiOperationNameValues.EMBEDDINGS
RERANK = A.GenAiOperationNameValues.RERANK

RECORDED = {
    # name: (cassette, async?)
    "chat": ("test_chat/test_cohere_v2_chat_legacy.yaml", False),
    "chat_stream": ("test_chat/test_cohere_v2_chat_legacy_with_streaming.yaml", False),
    "chat_stream_async": ("test_chat/test_cohere_v2_chat_legacy_with_streaming_async.yaml", True),
    "tools_history": ("test_chat/test_cohere_v2_chat_legacy_with_tool_calls_and_history.yaml", False),
    "tools_history_async": (
        "test_chat/test_cohere_v2_chat_legacy_with_tool_calls_and_history_async.yaml",
        True,
    ),
    "tools_stream": ("test_chat/test_cohere_v2_chat_legacy_with_tool_calls_and_streaming.yaml", False),
    "tools_stream_async": (
        "test_chat/test_cohere_v2_chat_legacy_with_tool_calls_and_streaming_async.yaml",
        True,
    ),
    "embed": ("test_embed/test_cohere_v2_embed_legacy.yaml", False),
    "embed_async": ("test_embed/test_cohere_v2_embed_legacy_async.yaml", True),
    "rerank": ("test_rerank/test_cohere_v2_rerank_legacy.yaml", False),
    "rerank_async": ("test_rerank/test_cohere_v2_rerank_legacy_async.yaml", True),
}
COVERS = {
    "chat": (CHAT, "sync", None),
    "chat_stream": (CHAT, "stream", None),
    "chat_stream_async": (CHAT, "async_stream", None),
    "tools_history": (CHAT, "sync", "tools"),
    "tools_history_async": (CHAT, "async", "tools"),
    "tools_stream": (CHAT, "stream", "tools"),
    "tools_stream_async": (CHAT, "async_stream", "tools"),
    "embed": (EMBEDDINGS, "sync", "embeddings"),
    "embed_async": (EMBEDDINGS, "async", "embeddings"),
    "rerank": (RERANK, "sync", "rerank"),
    "rerank_async": (RERANK, "async", "rerank"),
}


def _call(client: Any, body: dict[str, Any]) -> Any:
    """The v2 client method that sends this recorded body."""
    body = dict(body)
    if "query" in body:
        return client.rerank(**body)
    if "texts" in body:
        return client.embed(**body)
    return client.chat_stream(**body) if body.pop("stream", False) else client.chat(**body)


async def replay(name: str) -> list[Any]:
    import cohere

    cassette, is_async = RECORDED[name]
    client = (cohere.AsyncClientV2 if is_async else cohere.ClientV2)(api_key="test-key")
    return await replay_cassette(REPLAY, CASSETTES / cassette, is_async, lambda body: _call(client, body))


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(("scenario", "mode"), covered_cases(PROVIDER, COVERS))
async def test_recorded_scenario(scenario: str, mode: str, otel, instrument) -> None:
    instrument(capture_mode=mode)
    results = await replay(scenario)
    EXPECTED.check(scenario, mode, otel, results)


def test_every_scenario_replays_its_own_recorded_requests() -> None:
    for cassette, _ in RECORDED.values():
        assert recorded_bodies(CASSETTES / cassette), cassette
