"""Exact checks of recorded-scenario telemetry, shared by the provider test suites.

Each suite keeps ``expected_recorded.json``: per scenario, the exact span name and attributes (without
content) and the exact content structures, reviewed by hand. The span/event/metric checks are the OpenAI
suite's (imported, not copied). ``OTEL_LLM_WRITE_EXPECTED=1`` rewrites a scenario's entry from the
SPAN_ONLY run instead of checking: review the diff, then run again without it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from otel_llm.semconv import attributes as A
from tests.openai.test_recorded import _check_events, _check_metrics, span_summary

WRITE = os.environ.get("OTEL_LLM_WRITE_EXPECTED") == "1"
MODES = ("NO_CONTENT", "SPAN_ONLY", "EVENT_ONLY")


def _write(path: Path, scenario: str, spans: list) -> None:
    expected = json.loads(path.read_text()) if path.exists() else {}
    entries = []
    for span in spans:
        summary = span_summary(span)
        entries.append(
            {"name": summary["name"], "attributes": summary["attributes"], "content": summary["content"]}
        )
    expected[scenario] = {"spans": entries}
    path.write_text(json.dumps(dict(sorted(expected.items())), indent=1, ensure_ascii=False) + "\n")


def check_recorded(otel: Any, expected_file: Path, scenario: str, mode: str, results: list) -> None:
    """The spans, events and metrics of one scenario's calls are exactly the expected ones."""
    spans = otel.spans()
    if WRITE:  # a first run writes from SPAN_ONLY; the next, without WRITE, checks every mode
        if mode == "SPAN_ONLY":
            _write(expected_file, scenario, spans)
        return
    expected = json.loads(expected_file.read_text())[scenario]["spans"]
    assert len(spans) == len(results) == len(expected)
    for span, want in zip(spans, expected):
        got = span_summary(span)
        assert got["name"] == want["name"]
        assert got["kind"] == "CLIENT"
        assert got["attributes"] == want["attributes"]
        assert got["content"] == (want["content"] if mode == "SPAN_ONLY" else {})
        if want["attributes"].get(A.GEN_AI_REQUEST_STREAM):
            assert 0 < got["ttfc"] < (span.end_time - span.start_time) / 1e9
        else:
            assert got["ttfc"] is None
    _check_events(otel.logs(), spans, expected, mode)
    _check_metrics(otel, spans, expected, results)
