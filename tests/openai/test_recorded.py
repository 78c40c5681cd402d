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
from otel_llm.semconv import metrics as M

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


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_recorded_scenario(scenario: str, mode: str, otel, instrument_openai) -> None:
    instrument_openai(capture_mode=mode)
    results = await run_scenario(scenario)
    expected = EXPECTED[scenario]
    spans = otel.spans()
    assert len(spans) == len(results) == len(expected["spans"])
    for span, want in zip(spans, expected["spans"]):
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
    _check_events(otel.logs(), spans, expected["spans"], mode)
    _check_metrics(otel, spans, expected["spans"], results)


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


_METRIC_KEYS = (
    A.GEN_AI_OPERATION_NAME,
    A.GEN_AI_PROVIDER_NAME,
    A.GEN_AI_REQUEST_MODEL,
    A.SERVER_ADDRESS,
    A.SERVER_PORT,
    A.GEN_AI_RESPONSE_MODEL,
    A.OPENAI_RESPONSE_SERVICE_TIER,
    A.OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
)


def _point(points, attributes: dict):
    matching = [p for p in points if dict(p.attributes) == attributes]
    assert len(matching) <= 1
    return matching[0] if matching else None


def _check_metrics(otel, spans, expected_spans, results) -> None:
    """Group the expected calls by metric attribute set; each set's points hold exactly their values."""
    points = otel.metric_points()
    groups: dict[frozenset, list] = {}
    for want, result in zip(expected_spans, results):
        attributes = want["attributes"]
        key = frozenset((k, attributes[k]) for k in _METRIC_KEYS if k in attributes)
        groups.setdefault(key, []).append((attributes, result))
    assert sum(p.count for p in points[M.GEN_AI_CLIENT_OPERATION_DURATION]) == len(spans)
    for key, members in groups.items():
        metric_attributes = dict(key)
        assert _point(points[M.GEN_AI_CLIENT_OPERATION_DURATION], metric_attributes).count == len(members)
        for token_type, usage_key in (
            ("input", A.GEN_AI_USAGE_INPUT_TOKENS),
            ("output", A.GEN_AI_USAGE_OUTPUT_TOKENS),
        ):
            values = [attributes[usage_key] for attributes, _ in members if usage_key in attributes]
            point = _point(
                points.get(M.GEN_AI_CLIENT_TOKEN_USAGE, []),
                {**metric_attributes, A.GEN_AI_TOKEN_TYPE: token_type},
            )
            if values:
                assert (point.count, point.sum) == (len(values), sum(values))
            else:
                assert point is None
        costs = [
            attributes[A.OTEL_LLM_USAGE_COST_USD]
            for attributes, _ in members
            if A.OTEL_LLM_USAGE_COST_USD in attributes
        ]
        cost_point = _point(points.get(M.OTEL_LLM_CLIENT_OPERATION_COST, []), metric_attributes)
        if costs:
            assert cost_point.value == pytest.approx(sum(costs))
        else:  # an asynchronous counter reports earlier attribute sets again, with a zero delta
            assert cost_point is None or cost_point.value == 0
    stream_groups: dict[frozenset, list] = {}  # the time-to-chunk metrics carry no openai.* attributes
    for want, result in zip(expected_spans, results):
        attributes = want["attributes"]
        key = frozenset(
            (k, attributes[k]) for k in _METRIC_KEYS if k in attributes and not k.startswith("openai.")
        )
        stream_groups.setdefault(key, []).append(result if attributes.get(A.GEN_AI_REQUEST_STREAM) else None)
    for key, members in stream_groups.items():
        streams = [chunks for chunks in members if chunks is not None]
        first = _point(points.get(M.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK, []), dict(key))
        per_chunk = _point(points.get(M.GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK, []), dict(key))
        if streams:
            assert first.count == len(streams)
            assert per_chunk.count == sum(len(chunks) - 1 for chunks in streams)
        else:
            assert first is None and per_chunk is None


def test_every_scenario_replays_its_own_recorded_requests() -> None:
    for cassette, _ in SCENARIOS.values():
        assert recorded_calls(cassette), cassette
