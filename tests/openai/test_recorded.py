"""Every recorded OpenAI scenario, through the real SDK, under each content-capture mode.

Expected telemetry lives in ``expected_recorded.json``: for each scenario the exact span name and
attributes (without content), and the exact content structures. The streaming ``time_to_first_chunk``
is a measured duration, so it is checked for range rather than value.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from otel_llm.semconv import attributes as A
from otel_llm.semconv import events as E
from tests.bundled_prices import with_stamp
from tests.recorded_genai import check_metrics
from tests.semconv_modes import ALL_SEMCONV_MODES, current_mode, mode_attributes

from .recorded import recorded_calls, replay_async, replay_sync

EXPECTED = json.loads((Path(__file__).parent / "expected_recorded.json").read_text())
CONTENT_KEYS = (
    A.GEN_AI_SYSTEM_INSTRUCTIONS,
    A.GEN_AI_INPUT_MESSAGES,
    A.GEN_AI_OUTPUT_MESSAGES,
    A.GEN_AI_TOOL_DEFINITIONS,
)
MODES = ("NO_CONTENT", "SPAN_ONLY", "EVENT_ONLY")
SCENARIOS = {
    # name: (cassette, async?)
    "chat": ("test_chat/test_chat.yaml", False),
    "chat_async": ("test_chat/test_chat_async_context_propagation.yaml", True),
    "chat_stream": ("test_chat/test_chat_streaming_with_events_with_content.yaml", False),
    "chat_stream_async": ("test_chat/test_chat_async_streaming_with_events_with_content.yaml", True),
    "chat_stream_usage": ("test_streaming_with_api_usage/test_streaming_with_api_usage_capture.yaml", False),
    "chat_tools": ("test_chat/test_chat_tools_with_events_with_content.yaml", False),
    "chat_tool_history": ("test_chat/test_chat_tool_calls_with_events_with_content.yaml", False),
    "chat_tools_stream": ("test_chat/test_chat_tools_streaming_with_events_with_content.yaml", False),
    "chat_tools_stream_async": (
        "test_chat/test_chat_tools_async_streaming_with_events_with_content.yaml",
        True,
    ),
    "chat_reasoning": ("test_chat/test_chat_reasoning.yaml", False),
    "chat_service_tier": ("test_chat/test_chat_with_service_tier.yaml", False),
    "chat_structured_output": ("test_chat_parse/test_parsed_completion.yaml", False),
    "chat_structured_output_async": ("test_chat_parse/test_async_parsed_completion.yaml", True),
    "chat_prompt_caching": ("test_prompt_caching/test_openai_prompt_caching.yaml", False),
    "azure_chat": ("test_azure/test_chat.yaml", False),
    "azure_chat_stream": ("test_azure/test_chat_streaming.yaml", False),
    "responses": ("test_responses/test_responses.yaml", False),
    "responses_async": ("test_responses/test_responses_parse_async.yaml", True),
    "responses_stream": ("test_responses/test_responses_streaming.yaml", False),
    "responses_stream_async": ("test_responses/test_responses_streaming_async.yaml", True),
    "responses_tool_calls": ("test_responses/test_responses_tool_calls.yaml", False),
    "embeddings": ("test_embeddings/test_embeddings.yaml", False),
    "embeddings_async": ("test_embeddings/test_async_embeddings_context_propagation.yaml", True),
}


async def run_scenario(name: str) -> list:
    cassette, is_async = SCENARIOS[name]
    return await replay_async(cassette) if is_async else replay_sync(cassette)


def span_summary(span) -> dict:
    """Name, kind and attributes of a span, content split out and parsed."""
    attributes = dict(span.attributes)
    ttfc = attributes.pop(A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, None)
    content = {key: json.loads(attributes.pop(key)) for key in CONTENT_KEYS if key in attributes}
    attributes = {k: list(v) if isinstance(v, tuple) else v for k, v in attributes.items()}
    return {
        "name": span.name,
        "kind": span.kind.name,
        "attributes": attributes,
        "content": content,
        "ttfc": ttfc,
    }


@ALL_SEMCONV_MODES
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_recorded_scenario(scenario: str, mode: str, otel, instrument_openai) -> None:
    instrument_openai(capture_mode=mode)
    results = await run_scenario(scenario)
    semconv_mode = current_mode()
    expected = [
        {**want, "attributes": mode_attributes(with_stamp(want["attributes"]), semconv_mode)}
        for want in EXPECTED[scenario]["spans"]
    ]
    spans = otel.spans()
    assert len(spans) == len(results) == len(expected)
    for span, want in zip(spans, expected):
        got = span_summary(span)
        assert got["name"] == want["name"]
        assert got["kind"] == "CLIENT"
        assert got["attributes"] == want["attributes"]
        if mode == "SPAN_ONLY":
            assert got["content"] == want["content"]
        else:
            assert got["content"] == {}
        if want["attributes"].get(A.GEN_AI_REQUEST_STREAM):
            assert 0 < got["ttfc"] < (span.end_time - span.start_time) / 1e9
        else:
            assert got["ttfc"] is None
    _check_events(otel.logs(), spans, expected, mode)
    check_metrics(otel.metric_points(), expected, results)


def _check_events(logs, spans, expected_spans, mode: str) -> None:
    details = [log for log in logs if log.event_name == E.GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS]
    if mode != "EVENT_ONLY":
        assert details == []
        return
    assert len(details) == len(spans)
    for event, span, want in zip(details, spans, expected_spans):
        assert event.span_id == span.context.span_id and event.trace_id == span.context.trace_id
        assert event.severity_number.value == 5
        attributes = dict(event.attributes)
        attributes.pop(A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, None)
        content = {key: attributes.pop(key) for key in CONTENT_KEYS if key in attributes}
        normalized = {k: list(v) if isinstance(v, tuple) else v for k, v in attributes.items()}
        assert normalized == want["attributes"]
        assert json.loads(json.dumps(content, default=list)) == want["content"]


def test_every_scenario_replays_its_own_recorded_requests() -> None:
    for cassette, _ in SCENARIOS.values():
        assert recorded_calls(cassette), cassette
