"""``otel-llm eval online --follow``: polls, filters, sampling by trace id, a state file, a JSON summary,
a gate, "not evaluable" for spans without content; judge calls cached, retried and priced."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

import openai
from otel_llm.cli.main import main
from otel_llm.evaluation.evaluators import RubricJudge
from otel_llm.evaluation.follow import SpanFilter, trace_sampler
from otel_llm.evaluation.model import EvalCase
from otel_llm.evaluation.spans import SpanView
from tests.wire_server import Reply, WireServer

OUTPUT = '[{"role": "assistant", "parts": [{"type": "text", "content": "%s"}], "finish_reason": "stop"}]'


def chat(trace_id: int, model: str = "gpt-4o-mini", output: str | None = "{}") -> dict:
    """One trace of Jaeger's JSON model: a chat span, with its output captured unless ``output`` is None."""
    tags = [
        {"key": "gen_ai.operation.name", "type": "string", "value": "chat"},
        {"key": "gen_ai.request.model", "type": "string", "value": model},
        {"key": "gen_ai.response.id", "type": "string", "value": f"chatcmpl-{trace_id:x}"},
    ]
    if output is not None:
        tags.append({"key": "gen_ai.output.messages", "type": "string", "value": OUTPUT % output})
    span = {
        "traceID": f"{trace_id:032x}",
        "spanID": f"{trace_id & (2**64 - 1):016x}",
        "operationName": f"chat {model}",
        "references": [],
        "startTime": 1_700_000_000_000_000,
        "duration": 1000,
        "tags": tags,
        "logs": [],
    }
    return {"traceID": span["traceID"], "spans": [span], "processes": {}, "warnings": None}


def polls(*batches: list[dict]) -> Callable:
    """A Jaeger route answering the n-th query with the n-th batch of traces (the last one after that)."""
    served = []

    def route(method: str, path: str, body) -> Reply:
        batch = batches[min(len(served), len(batches) - 1)]
        served.append(path)
        return Reply(json_body={"data": batch, "errors": None})

    return route


TRACES = [
    chat(0x5B8AA5A2D2C872E8321CF37308D69DF2),
    chat(0x0AF7651916CD43DD8448EB211C80319C, output="not json"),
    chat(0x4BF92F3577B34DA6A3CE929D0E0E4736, model="gpt-4o"),
    chat(0xD3A9D2BB5C2FC5EF93FBD2D0F1E6A1C7, output=None),  # content not captured
]


def run_follow(jaeger, tmp_path, *extra: str) -> tuple[int, dict]:
    summary = tmp_path / "summary.json"
    argv = ["eval", "online", "--jaeger", jaeger.base_url, "--service", "shop", "-e", "json_valid"]
    argv += ["--follow", "--interval", "0.05", "--max-batches", "3", "--json", str(summary), *extra]
    return main(argv), json.loads(summary.read_text())


def test_follow_evaluates_new_spans_once_and_keeps_a_summary(otel, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    state = tmp_path / "seen.txt"
    route = polls(TRACES[:2], TRACES[:3], TRACES)  # each poll sees the older traces again, and new ones
    with WireServer(route) as jaeger:
        code, summary = run_follow(jaeger, tmp_path, "--state", str(state), "--threshold", "json_valid=0.5")
    out = capsys.readouterr().out
    assert code == 0
    assert "poll 1: 2 new LLM spans in 2 traces (0 seen, 0 filtered, 0 not sampled)" in out
    assert "poll 2: 1 new LLM spans in 3 traces (2 seen, 0 filtered, 0 not sampled)" in out
    assert "poll 3: 1 new LLM spans in 4 traces (3 seen" in out
    assert "json_valid 66.7% of 3 (1 n/e)" in out
    assert "PASS threshold json_valid.pass_rate >= 0.5 (actual 0.667)" in out
    assert summary["evaluated_spans"] == 4 and summary["skipped_seen"] == 5
    assert summary["evaluators"]["json_valid"] == {
        "name": "json_valid",
        "count": 3,  # the span without captured content is not evaluable: not counted
        "passed": 2,
        "failed": 1,
        "errors": 0,
        "mean": 0.666667,
        "pass_rate": 0.666667,
        "not_evaluable": 1,
    }
    assert summary["passed"] is True and summary["format"] == "otel-llm.evaluation.online/1"
    assert len(state.read_text().split()) == 4
    events = [r for r in otel.logs() if r.event_name == "gen_ai.evaluation.result"]
    assert [e.attributes["gen_ai.evaluation.score.label"] for e in events] == [
        "pass",
        "fail",
        "pass",
        "not_evaluable",
    ]
    with WireServer(polls(TRACES)) as jaeger:  # a later run, same state: nothing is evaluated twice
        code, summary = run_follow(jaeger, tmp_path, "--state", str(state), "--max-batches", "1")
    assert (code, summary["evaluated_spans"], summary["skipped_seen"]) == (0, 0, 4)


def test_filters_sampling_and_the_gate(otel, tmp_path, capsys):
    with WireServer(polls(TRACES)) as jaeger:
        code, summary = run_follow(
            jaeger, tmp_path, "--model", "gpt-4o-mini", "--threshold", "json_valid=0.9"
        )
    assert code == 1  # one of the two evaluable gpt-4o-mini spans fails: 50% < 90%
    assert "FAIL threshold json_valid.pass_rate >= 0.9 (actual 0.500)" in capsys.readouterr().out
    # the gpt-4o span is left out in each of the 3 polls: filters are applied anew, never remembered
    assert (summary["evaluated_spans"], summary["filtered_out"], summary["passed"]) == (3, 3, False)
    sampled = trace_sampler(0.5)
    kept = [t for t in TRACES if sampled(int(t["traceID"], 16))]
    with WireServer(polls(TRACES)) as jaeger:
        code, summary = run_follow(jaeger, tmp_path, "--sample-rate", "0.5")
    assert 0 < len(kept) < len(TRACES)
    assert (summary["evaluated_spans"], summary["not_sampled"]) == (len(kept), 3 * (len(TRACES) - len(kept)))
    assert trace_sampler(0.0)(1) is False and trace_sampler(1.0)((1 << 128) - 1) is True


def test_span_filters_match_model_operation_and_attributes():
    span = SpanView(
        "chat", 1, 2, 0, 1, {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "tier": 3}
    )
    assert SpanFilter.parse(["m"], ["chat"], ["tier=3"])(span)
    assert not SpanFilter.parse(["other"], [], [])(span)
    assert not SpanFilter.parse([], ["embeddings"], [])(span)
    assert not SpanFilter.parse([], [], ["tier=4"])(span)
    with pytest.raises(ValueError, match="bad attribute filter 'tier'"):
        SpanFilter.parse([], [], ["tier"])


def test_an_unreachable_jaeger_costs_one_poll_not_the_service(otel, tmp_path, capsys):
    with WireServer(polls(TRACES)) as jaeger:
        url = jaeger.base_url
    summary = tmp_path / "summary.json"
    argv = ["eval", "online", "--jaeger", url, "--service", "shop", "-e", "json_valid", "--follow"]
    assert main([*argv, "--interval", "0.01", "--max-batches", "2", "--json", str(summary)]) == 0
    out = capsys.readouterr().out
    assert f"poll 1: cannot reach Jaeger at {url}" in out and "poll 2: cannot reach" in out
    assert json.loads(summary.read_text())["failed_batches"] == 2


def judge_reply(body: dict) -> Reply:
    return Reply(
        json_body={
            "id": "chatcmpl-judge",
            "object": "chat.completion",
            "created": 1,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": '{"rating": 5, "explanation": "Right."}'},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100},
        }
    )


def test_judge_calls_are_retried_cached_and_priced():
    attempts = []

    def route(method: str, path: str, body) -> Reply:
        attempts.append(path)
        if len(attempts) == 1:
            return Reply(status=503, json_body={"error": {"message": "overloaded", "type": "server_error"}})
        return judge_reply(body)

    with WireServer(route) as server:
        client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="k", max_retries=2)
        judge = RubricJudge(client, "gpt-4o-mini", "Names the capital.")
        case = EvalCase(input="Capital of France?", output="Paris")
        scores = [judge(case), judge(case), judge(EvalCase(input="Capital of Peru?", output="Lima"))]
    assert [s.value for s in scores] == [1.0, 1.0, 1.0]
    assert len(attempts) == 3  # a 503 retried once, then one call per distinct case: the repeat was cached
    usage = judge.usage.snapshot()
    assert {k: usage[k] for k in ("calls", "cached", "input_tokens", "output_tokens")} == {
        "calls": 2,
        "cached": 1,
        "input_tokens": 2000,
        "output_tokens": 200,
    }
    from otel_llm.telemetry.pricing import load_price_table

    cost = load_price_table().cost(None, ("gpt-4o-mini",), 1000, 100)
    assert cost is not None and usage["cost_usd"] == pytest.approx(2 * cost)
