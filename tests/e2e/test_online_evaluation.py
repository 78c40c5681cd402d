"""Online evaluation against the real Jaeger: ``otel-llm eval online`` reads the workload's traces from
Jaeger's query API, and its ``gen_ai.evaluation.result`` events, sent through the real collector, carry
the trace and span ids of the LLM spans they judge."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from otel_llm.semconv import attributes as A
from otel_llm.semconv import events as E

from .conftest import LocalPipeline
from .helpers import eventually, span_named, span_tags, workload_env
from .test_local_pipeline import calls_of

pytestmark = pytest.mark.e2e


def _evaluation_records(logs_file: Path) -> list[dict]:
    """The collector file exporter's OTLP/JSON log records that are evaluation results."""
    records = []
    for line in logs_file.read_text().splitlines() if logs_file.exists() else ():
        for resource_logs in json.loads(line).get("resourceLogs", []):
            for scope_logs in resource_logs.get("scopeLogs", []):
                records += [
                    r
                    for r in scope_logs.get("logRecords", [])
                    if r.get("eventName") == E.GEN_AI_EVALUATION_RESULT
                ]
    return records


def _string_attribute(record: dict, key: str) -> str | None:
    return next(
        (a["value"].get("stringValue") for a in record.get("attributes", []) if a["key"] == key), None
    )


def _eval_online(pipeline: LocalPipeline, state: Path) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "otel_llm.cli.main", "eval", "online",
        "--jaeger", pipeline.jaeger.base_url, "--service", "e2e-local", "--lookback", "30m",
        "--evaluator", "regex=OpenTelemetry", "--state", str(state),
    ]  # fmt: skip
    env = workload_env(pipeline.otlp_http, "otel-llm-online-eval")
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_online_evaluation_results_are_linked_to_the_spans_in_jaeger(
    local_pipeline: LocalPipeline, tmp_path
) -> None:
    chat_spans = {}
    for call in calls_of(local_pipeline, "chat"):
        trace = local_pipeline.jaeger.wait_for_trace(call.trace_id, spans=2)
        chat_spans[span_named(trace, "chat gpt-4o-mini")["spanID"]] = call.trace_id
    state = tmp_path / "evaluated.json"

    first = _eval_online(local_pipeline, state)
    assert first.returncode == 0, first.stderr[-3000:]
    evaluated = int(re.search(r"(\d+) LLM spans in", first.stdout).group(1))
    assert evaluated >= len(chat_spans)

    def linked() -> dict[str, dict] | None:
        by_span = {r["spanId"]: r for r in _evaluation_records(local_pipeline.logs_file)}
        return by_span if set(chat_spans) <= set(by_span) else None

    results = eventually(linked, timeout=60)
    for span_id, trace_id in chat_spans.items():
        record = results[span_id]
        assert record["traceId"] == trace_id
        assert _string_attribute(record, A.GEN_AI_EVALUATION_NAME) == "regex"
        assert _string_attribute(record, A.GEN_AI_RESPONSE_ID).startswith("chatcmpl-")

    # each result is also an `evaluation regex` span, a child of the chat span, inside its Jaeger trace
    for span_id, trace_id in chat_spans.items():

        def evaluation_span(trace_id: str = trace_id) -> dict | None:
            trace = local_pipeline.jaeger.trace(trace_id) or {"spans": []}
            found = [s for s in trace["spans"] if s["operationName"] == "evaluation regex"]
            return found[0] if found else None

        span = eventually(evaluation_span, timeout=60)
        assert [ref["spanID"] for ref in span["references"]] == [span_id]
        assert span_tags(span)["otel_llm.evaluation.source"] == "online"

    again = _eval_online(local_pipeline, state)  # the state file: nothing is evaluated twice
    assert again.returncode == 0, again.stderr[-3000:]
    assert int(re.search(r"(\d+) LLM spans in", again.stdout).group(1)) == 0
