"""agent.yaml + two gateway.yaml collectors: trace-ID load balancing, tail sampling, persistent queues."""

from __future__ import annotations

import time

import httpx
import pytest

from .conftest import ScaleOut
from .helpers import Jaeger, Workload, eventually, run_workload, workload_env

pytestmark = pytest.mark.e2e


def exported_sum(metrics_url: str, metric: str, label: str) -> float:
    """Sum of one metric's samples carrying ``label`` (``key="value"``) on a Prometheus text page."""
    total = 0.0
    for line in httpx.get(metrics_url, timeout=10).text.splitlines():
        if line.startswith(metric + "{") and label in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


KEPT_KINDS = {
    "fail": 2,  # error status
    "guarded": 3,  # a guardrail redacted the prompt (apply_guardrail span)
    "slow": 2,  # trace longer than OTEL_LLM_SLOW_CALL_MS
    "scored": 2,  # span event with a low gen_ai.evaluation.score.value
    "evaluated": 3,  # an `evaluation relevance` span with a low score
    "failed_check": 3,  # an `evaluation faithfulness` span that failed its pass mark
    "feedback": 3,  # an `evaluation user_feedback` span labelled thumbs_down
}
"""Kinds of call whose traces a tail-sampling rule keeps, with their span count."""


def test_tail_sampling_keeps_flagged_traces_and_drops_the_rest(
    sampled_scale_out: ScaleOut, jaeger: Jaeger
) -> None:
    env = workload_env(sampled_scale_out.agent_plan.url("otlp_http"), "e2e-sampled")
    calls = run_workload(env, "--rounds", "6", "--kinds", ",".join(["chat", *KEPT_KINDS]))
    assert len(calls) == 6 * (1 + len(KEPT_KINDS))
    for call in calls:
        if call.kind in KEPT_KINDS:
            jaeger.wait_for_trace(call.trace_id, spans=KEPT_KINDS[call.kind], timeout=60)
    time.sleep(4)  # past decision_wait (3s): the plain chat traces were decided with the others
    assert [call.trace_id for call in calls if call.kind == "chat" and jaeger.trace(call.trace_id)] == []

    # spanmetrics run before sampling: every trace's root span was counted, spread over both gateways
    per_gateway = [
        sum(
            exported_sum(
                plan.url("prometheus_exporter", "/metrics"),
                "traces_span_metrics_calls_total",
                f'span_name="workload {kind}"',
            )
            for kind in ("chat", *KEPT_KINDS)
        )
        for plan in sampled_scale_out.gateway_plans
    ]
    assert sum(per_gateway) == len(calls) and all(count > 0 for count in per_gateway)


def test_gateway_restart_mid_workload_loses_no_span(keep_all_scale_out: ScaleOut, jaeger: Jaeger) -> None:
    env = workload_env(keep_all_scale_out.agent_plan.url("otlp_http"), "e2e-restart")
    agent_metrics = keep_all_scale_out.agent_plan.url("collector_telemetry", "/metrics")
    gateway = keep_all_scale_out.gateways[0]
    workload = Workload(env, "--rounds", "30", "--interval", "0.2", "--kinds", "chat")
    calls = workload.read_calls(5)
    assert gateway.stop(), "gateway1 was not running"
    calls += workload.read_calls(10)  # made while gateway1 is down
    # the agent holds what is routed to gateway1 in its persistent queue, retrying
    assert eventually(
        lambda: exported_sum(agent_metrics, "otelcol_exporter_queue_size", 'exporter="load_balancing/traces"')
    )
    gateway.start()
    gateway.wait_healthy()
    calls += workload.finish()
    assert len(calls) == 30
    for call in calls:
        trace = jaeger.wait_for_trace(call.trace_id, spans=2, timeout=90)
        span_ids = {span["spanID"] for span in trace["spans"]}
        assert len(span_ids) == 2 and call.parent_span_id in span_ids
