"""Shared checks for provider scenarios: exact span attributes, content, events and metrics.

Each provider's tests run a scenario (recorded cassette replayed through the real SDK, or the real
SDK against a loopback fake server) under every content mode and compare what was captured with the
expected telemetry stored in that provider's ``expected.json``: span name and attributes (without
content) and the content structures. Events and metrics are checked against those same expected
spans. ``OTEL_LLM_UPDATE_EXPECTED=1`` rewrites the expected file from the SPAN_ONLY runs (review
the diff before keeping it); a normal run compares and never writes.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import vcr
import yaml

from otel_llm.config import SemconvMode
from otel_llm.semconv import attributes as A
from otel_llm.semconv import events as E
from otel_llm.semconv import metrics as M
from tests.bundled_prices import as_placeholder, with_stamp
from tests.semconv_modes import (
    INFERENCE_OPERATIONS,
    LATEST_TOKEN_METRICS,
    chunk_metrics,
    current_mode,
    duration_metrics,
    expected_metric_names,
    mode_attributes,
)

MODES = ("NO_CONTENT", "SPAN_ONLY", "EVENT_ONLY")
CONTENT_KEYS = (
    A.GEN_AI_SYSTEM_INSTRUCTIONS,
    A.GEN_AI_INPUT_MESSAGES,
    A.GEN_AI_OUTPUT_MESSAGES,
    A.GEN_AI_TOOL_DEFINITIONS,
)
METRIC_KEYS = (
    A.GEN_AI_OPERATION_NAME,
    A.GEN_AI_PROVIDER_NAME,
    A.GEN_AI_REQUEST_MODEL,
    A.SERVER_ADDRESS,
    A.SERVER_PORT,
    A.GEN_AI_RESPONSE_MODEL,
)
# provider attributes the metrics carry too (not the time-to-chunk ones)
EXTRA_METRIC_KEYS = (A.OPENAI_RESPONSE_SERVICE_TIER, A.OPENAI_RESPONSE_SYSTEM_FINGERPRINT)
UPDATE = os.environ.get("OTEL_LLM_UPDATE_EXPECTED") == "1"


def replayer(cassettes: Path) -> vcr.VCR:
    """Replay only: a request the cassette does not hold fails the test."""
    return vcr.VCR(
        cassette_library_dir=str(cassettes),
        record_mode="none",
        match_on=["method", "scheme", "host", "port", "path", "query"],
    )


def recorded_bodies(cassette: Path) -> list[dict[str, Any]]:
    """The JSON body of each recorded request, in order: each scenario replays its own calls."""
    interactions = yaml.safe_load(cassette.read_text())["interactions"]
    return [json.loads(i["request"]["body"]) for i in interactions if i["request"]["body"]]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def span_summary(span: Any) -> dict[str, Any]:
    """Name, attributes and parsed content of a span (time to first chunk left out: it is measured)."""
    attributes = dict(span.attributes)
    attributes.pop(A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, None)
    content = {key: json.loads(attributes.pop(key)) for key in CONTENT_KEYS if key in attributes}
    return {
        "name": span.name,
        "attributes": {k: _plain(v) for k, v in attributes.items()},
        "content": content,
    }


LOOPBACK_PORT = "<loopback port>"


def _loopback_port_placeholder(summary: dict[str, Any]) -> dict[str, Any]:
    """A fake server's port is chosen by the OS (ephemeral): the expected file holds a placeholder."""
    attributes = summary["attributes"]
    if attributes.get(A.SERVER_ADDRESS) == "127.0.0.1" and attributes.get(A.SERVER_PORT, 0) >= 32768:
        summary["attributes"][A.SERVER_PORT] = LOOPBACK_PORT
    return summary


def _placeholders(summary: dict[str, Any]) -> dict[str, Any]:
    """The loopback port and genai-prices' stamp (its date moves with the calendar) as placeholders."""
    summary = _loopback_port_placeholder(summary)
    return {**summary, "attributes": as_placeholder(summary["attributes"])}


def _with_loopback_port(want: dict[str, Any], span: Any) -> dict[str, Any]:
    if want["attributes"].get(A.SERVER_PORT) != LOOPBACK_PORT:
        return want
    port = span.attributes.get(A.SERVER_PORT)
    assert isinstance(port, int) and port > 0
    return {**want, "attributes": {**want["attributes"], A.SERVER_PORT: port}}


class ExpectedTelemetry:
    """The expected telemetry of every scenario of one provider, kept in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}

    def check(self, scenario: str, mode: str, otel: Any, results: list[Any]) -> None:
        """``results`` holds one entry per call: the response, or the list of chunks of a stream."""
        spans = otel.spans()
        semconv_mode = current_mode()
        if UPDATE:
            if mode != "SPAN_ONLY" or semconv_mode is not SemconvMode.DEFAULT:
                pytest.skip("updating expected telemetry from the SPAN_ONLY runs")
            self.data[scenario] = [_placeholders(span_summary(span)) for span in spans]
            self.path.write_text(json.dumps(self.data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        expected = [
            {**want, "attributes": mode_attributes(with_stamp(want["attributes"]), semconv_mode)}
            for want in (_with_loopback_port(want, span) for want, span in zip(self.data[scenario], spans))
        ]
        assert len(spans) == len(results) == len(self.data[scenario])
        for span, want in zip(spans, expected):
            got = span_summary(span)
            assert span.kind.name == "CLIENT"
            assert got["name"] == want["name"]
            assert got["attributes"] == want["attributes"]
            assert got["content"] == (want["content"] if mode == "SPAN_ONLY" else {})
            ttfc = span.attributes.get(A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK)
            if want["attributes"].get(A.GEN_AI_REQUEST_STREAM):
                assert 0 < ttfc < (span.end_time - span.start_time) / 1e9
            else:
                assert ttfc is None
        check_events(otel.logs(), spans, expected, mode)
        check_metrics(otel.metric_points(), expected, results)


def check_events(logs: list[Any], spans: list[Any], expected: list[dict[str, Any]], mode: str) -> None:
    details = [log for log in logs if log.event_name == E.GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS]
    if mode != "EVENT_ONLY":
        assert details == []
        return
    assert len(details) == len(spans)
    for event, span, want in zip(details, spans, expected):
        assert (event.span_id, event.trace_id) == (span.context.span_id, span.context.trace_id)
        assert event.severity_number.value == 5
        attributes = dict(event.attributes)
        attributes.pop(A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, None)
        content = {key: attributes.pop(key) for key in CONTENT_KEYS if key in attributes}
        assert {k: _plain(v) for k, v in attributes.items()} == want["attributes"]
        assert json.loads(json.dumps(content, default=list)) == want["content"]


def _point(points: list[Any], attributes: dict[str, Any]) -> Any:
    matching = [p for p in points if dict(p.attributes) == attributes]
    assert len(matching) <= 1
    return matching[0] if matching else None


def check_metrics(points: dict[str, list], expected: list[dict[str, Any]], results: list[Any]) -> None:
    """Group the expected calls by metric attributes; each group's points hold exactly their values, under
    the names of the semconv mode the test runs in (``tests/semconv_modes.py``), and no other metric."""
    mode = current_mode()
    groups: dict[frozenset, list[tuple[dict[str, Any], Any]]] = {}
    for want, result in zip(expected, results):
        attributes = want["attributes"]
        key = frozenset((k, attributes[k]) for k in METRIC_KEYS + EXTRA_METRIC_KEYS if k in attributes)
        groups.setdefault(key, []).append((attributes, result))
    names = expected_metric_names(mode, [want["attributes"] for want in expected])
    for key, members in groups.items():
        base = dict(key)
        operation = base[A.GEN_AI_OPERATION_NAME]
        for name in duration_metrics(mode, operation):
            assert _point(points[name], base).count == len(members), name
        if mode.emits_default:
            _check_token_usage(points, base, members)
        if mode.emits_latest and operation in INFERENCE_OPERATIONS:
            _check_latest_tokens(points, base, members)
        costs = [a[A.OTEL_LLM_USAGE_COST_USD] for a, _ in members if A.OTEL_LLM_USAGE_COST_USD in a]
        cost = _point(points.get(M.OTEL_LLM_CLIENT_OPERATION_COST, []), base)
        if costs:
            assert cost.value == pytest.approx(sum(costs))
        else:
            assert cost is None or cost.value == 0
    chunk_groups: dict[frozenset, list[tuple[dict[str, Any], Any]]] = {}  # without the provider extras
    for key, members in groups.items():
        chunk_groups.setdefault(frozenset(i for i in key if i[0] not in EXTRA_METRIC_KEYS), []).extend(
            members
        )
    for key, members in chunk_groups.items():
        chunk_base = dict(key)
        streams = [result for attributes, result in members if attributes.get(A.GEN_AI_REQUEST_STREAM)]
        intervals = sum(len(chunks) - 1 for chunks in streams)
        for first_name, each_name in chunk_metrics(mode, chunk_base[A.GEN_AI_OPERATION_NAME]):
            first = _point(points.get(first_name, []), chunk_base)
            per_chunk = _point(points.get(each_name, []), chunk_base)
            if streams:
                assert first.count == len(streams)
                assert (per_chunk.count if per_chunk else 0) == intervals
                if intervals:
                    names.add(each_name)
            else:
                assert first is None and per_chunk is None
    assert {name for name, found in points.items() if found and name.startswith("gen_ai.")} == names


def _check_token_usage(points: dict[str, list], base: dict[str, Any], members: list) -> None:
    for token_type, usage_key in (
        ("input", A.GEN_AI_USAGE_INPUT_TOKENS),
        ("output", A.GEN_AI_USAGE_OUTPUT_TOKENS),
    ):
        values = [attributes[usage_key] for attributes, _ in members if usage_key in attributes]
        point = _point(points.get(M.GEN_AI_CLIENT_TOKEN_USAGE, []), {**base, A.GEN_AI_TOKEN_TYPE: token_type})
        if values:
            assert (point.count, point.sum) == (len(values), sum(values))
        else:
            assert point is None


def _check_latest_tokens(points: dict[str, list], base: dict[str, Any], members: list) -> None:
    for name, instrument, usage_key in LATEST_TOKEN_METRICS:
        values = [attributes[usage_key] for attributes, _ in members if usage_key in attributes]
        point = _point(points.get(name, []), base)
        if not values:
            assert point is None, name
        elif instrument == "counter":
            assert point.value == sum(values), name
        else:
            assert (point.count, point.sum) == (len(values), sum(values)), name


def instrument_fixture(instrumentor_class: type) -> Any:
    """A fixture ``instrument(**settings)`` that instruments the SDK for one test, then uninstruments."""

    @pytest.fixture
    def instrument(otel):
        instrumentor = instrumentor_class()

        def apply(**settings: Any) -> Any:
            instrumentor.instrument(**settings)
            return instrumentor

        yield apply
        instrumentor.uninstrument()

    return instrument


async def replay_cassette(
    replay: vcr.VCR, cassette: Path, is_async: bool, call: Callable[[dict[str, Any]], Any]
) -> list[Any]:
    """Send each recorded body through ``call(body)`` (the real SDK method) under ``replay``.

    Results are the responses, or for streams (``"stream": true`` bodies) the list of chunks read.
    ``call`` may return a coroutine (async methods) or an async iterator (async generators).
    """
    results = []
    with replay.use_cassette(str(cassette)):
        for body in recorded_bodies(cassette):
            result = call(body)
            if inspect.isawaitable(result):
                result = await result
            if body.get("stream"):
                result = [c async for c in result] if hasattr(result, "__anext__") else list(result)
            results.append(result)
    return results


def covered_cases(provider: str, covers: dict[str, tuple[str, str, str | None]]) -> list[Any]:
    """``pytest.param(scenario, mode)`` for every scenario x content mode, marked with the cell it covers:
    ``covers`` maps a scenario to ``(operation, mode, feature)``."""
    return [
        pytest.param(
            name,
            mode,
            marks=pytest.mark.covers(provider=provider, operation=operation, mode=call_mode, feature=feature),
        )
        for name, (operation, call_mode, feature) in covers.items()
        for mode in MODES
    ]


def check_failed_call(otel: Any, error: BaseException, span_name: str) -> None:
    """One span ended with the SDK's exception: ``error.type``, ERROR status, the exception event and an
    errored duration point; the exception itself reached the app (the caller's ``pytest.raises``)."""
    (span,) = otel.spans()
    error_type = type(error).__qualname__
    assert span.name == span_name
    assert span.attributes[A.ERROR_TYPE] == error_type
    assert span.status.status_code.name == "ERROR"
    exceptions = [log for log in otel.logs() if log.event_name == E.GEN_AI_CLIENT_OPERATION_EXCEPTION]
    assert [log.attributes[A.EXCEPTION_TYPE] for log in exceptions] == [error_type]
    points = otel.metric_points()  # read once: reading drains the test's delta reader
    for name in duration_metrics(current_mode(), span.attributes[A.GEN_AI_OPERATION_NAME]):
        (point,) = points[name]
        assert point.attributes[A.ERROR_TYPE] == error_type
