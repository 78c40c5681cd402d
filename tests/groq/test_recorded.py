"""Every recorded Groq scenario, and tool calls against the loopback fake, under each content mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from otel_llm.semconv import attributes as A
from tests.semconv_modes import ALL_SEMCONV_MODES

from ..recorded_genai import ExpectedTelemetry, covered_cases, replay_cassette, replayer
from .fake_groq import MODEL

CASSETTES = Path(__file__).parent / "cassettes"
EXPECTED = ExpectedTelemetry(Path(__file__).parent / "expected.json")
REPLAY = replayer(CASSETTES)
PROVIDER = A.GenAiProviderNameValues.GROQ
CHAT = A.GenAiOperationNameValues.CHAT

RECORDED = {
    # name: (cassette, async?)
    "chat": ("test_chat_tracing/test_chat_legacy.yaml", False),
    "chat_async": ("test_chat_tracing/test_async_chat_legacy.yaml", True),
    "chat_stream": ("test_chat_tracing/test_chat_streaming_legacy.yaml", False),
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
ASK = [{"role": "user", "content": "Weather in Paris?"}]
HISTORY = [
    *ASK,
    {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 24C"},
]
FAKE = {
    # name: (async?, request)
    "tools": (False, {"messages": ASK, "tools": TOOLS}),
    "tools_async": (True, {"messages": ASK, "tools": TOOLS}),
    "tools_stream": (False, {"messages": ASK, "tools": TOOLS, "stream": True}),
    "tools_stream_async": (True, {"messages": ASK, "tools": TOOLS, "stream": True}),
    "tool_history": (False, {"messages": HISTORY, "tools": TOOLS, "temperature": 0.2, "max_tokens": 64}),
    "chat_stream_async": (True, {"messages": ASK, "stream": True, "stop": ["\n\n"], "seed": 7}),
}
COVERS = {
    "chat": (CHAT, "sync", None),
    "chat_async": (CHAT, "async", None),
    "chat_stream": (CHAT, "stream", None),
    "chat_stream_async": (CHAT, "async_stream", None),
    "tools": (CHAT, "sync", "tools"),
    "tools_async": (CHAT, "async", "tools"),
    "tools_stream": (CHAT, "stream", "tools"),
    "tools_stream_async": (CHAT, "async_stream", "tools"),
    "tool_history": (CHAT, "sync", "tools"),
}


async def _read(result: Any, stream: bool) -> Any:
    if not stream:
        return result
    return [chunk async for chunk in result] if hasattr(result, "__anext__") else list(result)


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(("scenario", "mode"), covered_cases(PROVIDER, COVERS))
async def test_scenario(scenario: str, mode: str, otel, instrument, client, async_client) -> None:
    import groq

    instrument(capture_mode=mode)
    if scenario in RECORDED:
        cassette, is_async = RECORDED[scenario]
        recorded = groq.AsyncGroq if is_async else groq.Groq
        recorded_client = recorded(api_key="gsk-test", max_retries=0)
        results = await replay_cassette(
            REPLAY,
            CASSETTES / cassette,
            is_async,
            lambda body: recorded_client.chat.completions.create(**body),
        )
    else:
        is_async, request = FAKE[scenario]
        create = (async_client if is_async else client).chat.completions.create
        result = create(model=MODEL, **request)
        if is_async:
            result = await result
        results = [await _read(result, bool(request.get("stream")))]
    EXPECTED.check(scenario, mode, otel, results)
