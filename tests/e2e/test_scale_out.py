"""agent.yaml + two gateway.yaml collectors: trace-ID load balancing, tail sampling, persistent queues."""

from __future__ import annotations

import time

import httpx
import pytest

from .conftest import ScaleOut
from .helpers import Jaeger, finish_workload, run_workload, start_workload, workload_env

pytestmark = pytest.mark.e2e


def exported_sum(metrics_url: str, metric: str, label: str) -> float:
    """Sum of one metric's samples carrying ``label`` (``key="value"``) on a Prometheus text page."""
    total = 0.0
    for line in httpx.get(metrics_url, timeout=10).text.splitlines():
        if line.startswith(metric + "{") and label in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_tail_sampling_keeps_failed_traces_and_drops_sampled_out_ones(
    sampled_scale_out: ScaleOut, jaeger: Jaeger
) -> None:
    env = workload_env(sampled_scale_out.agent_plan.url("otlp_http"), "e2e-sampled")
    calls = run_workload(env, "--rounds", "10", "--kinds", "chat,fail")
    failed = [call for call in calls if not call.ok]
    succeeded = [call for call in calls if call.ok]
    assert (len(failed), len(succeeded)) == (10, 10)
    for call in failed:
        trace = jaeger.wait_for_trace(call.trace_id, spans=2, timeout=60)
        assert {span["operationName"] for span in trace["spans"]} == {"workload fail", "chat gpt-unavailable"}
    time.sleep(3)  # past decision_wait (2s): the successful traces were decided with the failed ones
    assert [call.trace_id for call in succeeded if jaeger.trace(call.trace_id)] == []

    # spanmetrics run before sampling: every successful chat span was counted, spread over both gateways
    per_gateway = [
        exported_sum(
            plan.url("prometheus_exporter", "/metrics"),
            "traces_span_metrics_calls_total",
            'span_name="chat gpt-4o-mini"',
        )
        for plan in sampled_scale_out.gateway_plans
    ]
    assert sum(per_gateway) == len(succeeded) and all(count > 0 for count in per_gateway)


def test_gateway_restart_mid_workload_loses_no_span(keep_all_scale_out: ScaleOut, jaeger: Jaeger) -> None:
    env = workload_env(keep_all_scale_out.agent_plan.url("otlp_http"), "e2e-restart")
    workload = start_workload(env, "--rounds", "24", "--interval", "0.25", "--kinds", "chat")
    gateway = keep_all_scale_out.gateways[0]
    time.sleep(2)
    assert gateway.stop(), "gateway1 was not running"
    time.sleep(2)
    gateway.start()
    gateway.wait_healthy()
    calls = finish_workload(workload)
    assert len(calls) == 24
    for call in calls:
        trace = jaeger.wait_for_trace(call.trace_id, spans=2, timeout=90)
        span_ids = {span["spanID"] for span in trace["spans"]}
        assert len(span_ids) == 2 and call.parent_span_id in span_ids
    # the outage was real: the agent's exporter saw failed sends to the stopped gateway and retried them
    failed_sends = exported_sum(
        keep_all_scale_out.agent_plan.url("collector_telemetry", "/metrics"),
        "otelcol_exporter_send_failed_spans_total",
        'exporter="load_balancing/traces"',
    )
    assert failed_sends > 0
