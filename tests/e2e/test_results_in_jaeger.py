"""Offline, online and feedback results land inside the Jaeger trace of the call they judge.

``evaluated_calls.py`` (a process of its own, exporting OTLP to a collector of the test's own) makes
one call judged by each source; the test reads each call's trace back from the real Jaeger's API and
finds the ``evaluation {name}`` span under the judged LLM span, with the result's attributes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from otel_llm.stack.ports import PortPlan

from .helpers import Jaeger, span_tags, workload_env

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).with_name("evaluated_calls.py")

EXPECTED = {
    "offline": {
        "gen_ai.evaluation.score.value": 1.0,
        "gen_ai.evaluation.score.label": "pass",
        "otel_llm.evaluation.passed": True,
    },
    "online": {
        "gen_ai.evaluation.score.value": 1.0,
        "gen_ai.evaluation.score.label": "pass",
        "otel_llm.evaluation.passed": True,
    },
    "feedback": {
        "gen_ai.evaluation.score.value": 0.0,
        "gen_ai.evaluation.score.label": "thumbs_down",
        "gen_ai.evaluation.explanation": "Too short.",
    },
}


def test_each_source_of_results_shows_in_the_trace_it_judges(own_collector: PortPlan, jaeger: Jaeger) -> None:
    env = workload_env(own_collector.url("otlp_http"), "e2e-evaluated")
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    judged = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [call["source"] for call in judged] == ["offline", "online", "feedback"]

    for call in judged:
        trace = jaeger.wait_for_trace(call["trace_id"], spans=2, timeout=60)
        spans = {span["spanID"]: span for span in trace["spans"]}
        llm = spans[call["span_id"]]
        assert llm["operationName"] == "chat gpt-4o-mini"
        (evaluation,) = [
            span for span in trace["spans"] if span["operationName"] == f"evaluation {call['evaluation']}"
        ]
        assert evaluation["references"] == [
            {"refType": "CHILD_OF", "traceID": call["trace_id"], "spanID": call["span_id"]}
        ]
        assert evaluation["duration"] == 0
        tags = span_tags(evaluation)
        tags.pop("otel.scope.name"), tags.pop("otel.scope.version"), tags.pop("span.kind")
        assert tags == {
            "gen_ai.evaluation.name": call["evaluation"],
            "gen_ai.response.id": call["response_id"],
            "otel_llm.evaluation.source": call["source"],
            **EXPECTED[call["source"]],
        }
