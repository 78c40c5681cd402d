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


def test_tail_sampling_keeps_failed_and_guarded_traces_and_drops_the_rest(
    sampled_scale_out: ScaleOut, jaeger: Jaeger
) -> None:
    env = workload_env(sampled_scale_out.agent_plan.url("otlp_http"), "e2e-sampled")
    calls = run_workload(env, "--rounds", "10", "--kinds", "chat,fail,guarded")
    by_kind = {kind: [call for call in calls if call.kind == kind] for kind in ("chat", "fail", "guarded")}
    assert [len(found) for found in by_kind.values()] == [10, 10, 10]
    for call in by_kind["fail"]:
        trace = jaeger.wait_for_trace(call.trace_id, spans=2, timeout=60)
        assert {span["operationName"] for span in trace["spans"]} == {"workload fail", "chat gpt-unavailable"}
    for call in by_kind["guarded"]:  # kept because a guardrail redacted the prompt
        jaeger.wait_for_trace(call.trace_id, spans=3, timeout=60)
    time.sleep(3)  # past decision_wait (2s): the plain chat traces were decided with the others
    succeeded = by_kind["chat"]
    assert [call.trace_id for call in succeeded if jaeger.trace(call.trace_id)] == []

    # spanmetrics run before sampling: every successful chat span was counted, spread over both gateways
    per_gateway = [
        exported_sum(
            plan.url("prometheus_exporter", "/metrics"),
            "traces_span_metrics_calls_total",
            'span_name="workload chat"',
        )
        for plan in sampled_scale_out.gateway_plans
    ]
    assert sum(per_gateway) == len(succeeded) and all(count > 0 for count in per_gateway)


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
