"""``otel-llm eval online``: traces pulled from Jaeger's query API, results linked to the original spans."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import openai
from otel_llm.cli.main import main
from otel_llm.evaluation.evaluators import GuardrailFindings, LatencyThreshold, RegexMatch
from otel_llm.evaluation.jaeger import (
    JaegerQueryClient,
    evaluate_jaeger_traces,
    parse_lookback,
    span_from_jaeger,
)
from otel_llm.instrumentation.openai import OpenAIInstrumentor
from tests.demo.otlp_receivers import OtlpHttpReceiver
from tests.wire_server import WireServer

from .fake_jaeger import jaeger_payload, jaeger_query, jaeger_span, queries


@pytest.fixture
def production_spans(fake_openai):
    """Two traces of a workload, recorded by the instrumentor; the second had a guardrail redact output."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    server = fake_openai(lambda body: "Order 66 ships on Monday." if "order" in str(body) else "No idea.")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider, capture_mode="SPAN_ONLY")
    tracer = provider.get_tracer("app")
    try:
        client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
        with tracer.start_as_current_span("handle order"):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "my order?"}]
            )
        with (
            tracer.start_as_current_span("handle refund"),
            tracer.start_as_current_span("chat gpt-4o-mini") as chat,  # a call guarded in-process
        ):
            chat.set_attributes({"gen_ai.operation.name": "chat", "gen_ai.response.id": "chatcmpl-guarded"})
            with tracer.start_as_current_span("apply_guardrail pii") as check:
                check.set_attributes(
                    {"gen_ai.operation.name": "apply_guardrail", "otel_llm.guardrail.outcome": "redact"}
                )
                check.add_event(
                    "gen_ai.guardrail.result", {"gen_ai.guardrail.risk.category": "EMAIL_ADDRESS"}
                )
    finally:
        instrumentor.uninstrument()
        provider.shutdown()
    return exporter.get_finished_spans()


def test_span_from_jaeger_keeps_ids_timing_tags_and_events(production_spans):
    check = next(s for s in production_spans if s.name == "apply_guardrail pii")
    view = span_from_jaeger(jaeger_span(check))
    assert (view.trace_id, view.span_id, view.parent_span_id) == (
        check.context.trace_id,
        check.context.span_id,
        check.parent.span_id,
    )
    assert view.start_ns == check.start_time // 1000 * 1000
    assert view.attributes["otel_llm.guardrail.outcome"] == "redact"
    assert [(e.name, dict(e.attributes)) for e in view.events] == [
        ("gen_ai.guardrail.result", {"gen_ai.guardrail.risk.category": "EMAIL_ADDRESS"})
    ]


def test_recent_llm_spans_are_evaluated_and_linked(otel, production_spans):
    by_name = {}
    for span in production_spans:
        by_name.setdefault(span.name, []).append(span)
    instrumented_chat, guarded_chat = by_name["chat gpt-4o-mini"]
    evaluators = [RegexMatch(r"\bMonday\b"), GuardrailFindings(), LatencyThreshold(60)]
    with WireServer(jaeger_query(jaeger_payload(production_spans, "shop"))) as jaeger:
        before = int(time.time() * 1_000_000)
        result = evaluate_jaeger_traces(
            JaegerQueryClient(jaeger.base_url), "shop", timedelta(minutes=30), evaluators, 20
        )
    (query,) = queries(jaeger)
    assert (query["service"], query["limit"]) == (["shop"], ["20"])
    end = int(query["end"][0])
    assert end >= before and end - int(query["start"][0]) == 30 * 60 * 1_000_000

    assert result.traces == 2
    assert [
        (item.span.span_id, [s.label or s.error_type for s in item.scores]) for item in result.evaluated
    ] == [
        (instrumented_chat.context.span_id, ["pass", "pass", "pass"]),
        (guarded_chat.context.span_id, ["not_evaluable", "fail", "pass"]),  # no content: not a failure
    ]
    events = [r for r in otel.logs() if r.event_name == "gen_ai.evaluation.result"]
    assert [(e.trace_id, e.span_id) for e in events] == [
        (chat.context.trace_id, chat.context.span_id)
        for chat in (instrumented_chat, guarded_chat)
        for _ in range(3)
    ]
    assert dict(events[3].attributes) == {
        "gen_ai.evaluation.name": "regex",
        "gen_ai.evaluation.score.label": "not_evaluable",
        "gen_ai.evaluation.explanation": "the case has no output",
        "gen_ai.response.id": "chatcmpl-guarded",
    }
    guardrail_event = dict(events[4].attributes)
    assert guardrail_event == {
        "gen_ai.evaluation.name": "guardrail_findings",
        "gen_ai.evaluation.score.value": 1.0,
        "gen_ai.evaluation.score.label": "fail",
        "gen_ai.evaluation.explanation": "redact x1",
        "gen_ai.response.id": "chatcmpl-guarded",
    }
    assert events[0].attributes["gen_ai.response.id"] == instrumented_chat.attributes["gen_ai.response.id"]
    sources = {
        p.attributes["otel_llm.evaluation.source"] for p in otel.metric_points()["otel_llm.evaluation.score"]
    }
    assert sources == {"online"}


def test_cli_online_prints_what_it_evaluated(otel, production_spans, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    with WireServer(jaeger_query(jaeger_payload(production_spans, "shop"))) as jaeger:
        code = main(
            [
                "eval",
                "online",
                "--jaeger",
                jaeger.base_url,
                "--service",
                "shop",
                "--lookback",
                "2h",
                "-e",
                "regex=Monday",
                "-e",
                "guardrail_findings",
            ]
        )
    assert code == 0
    out = capsys.readouterr().out
    assert "2 LLM spans in 2 traces of shop" in out
    chat = next(s for s in production_spans if s.attributes.get("gen_ai.response.id") == "chatcmpl-guarded")
    assert f"{chat.context.span_id:016x}" in out
    assert len([r for r in otel.logs() if r.event_name == "gen_ai.evaluation.result"]) == 4


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("2d", timedelta(days=2)),
    ],
)
def test_parse_lookback(text, delta):
    assert parse_lookback(text) == delta


def test_parse_lookback_rejects_other_forms():
    with pytest.raises(ValueError, match="bad lookback '1 hour'"):
        parse_lookback("1 hour")


def test_a_state_file_keeps_repeated_batches_from_evaluating_a_span_twice(
    otel, production_spans, capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "200")
    state = tmp_path / "state" / "seen.txt"
    argv = ["eval", "online", "--service", "shop", "-e", "latency=60", "--state", str(state)]
    with WireServer(jaeger_query(jaeger_payload(production_spans, "shop"))) as jaeger:
        assert main([*argv, "--jaeger", jaeger.base_url]) == 0
        assert "2 LLM spans in 2 traces of shop" in capsys.readouterr().out
        chats = [s for s in production_spans if s.name == "chat gpt-4o-mini"]
        assert state.read_text().split() == [
            f"{s.context.trace_id:032x}:{s.context.span_id:016x}" for s in chats
        ]
        assert main([*argv, "--jaeger", jaeger.base_url]) == 0
    assert "0 LLM spans in 2 traces of shop, 2 evaluated before" in capsys.readouterr().out
    assert len([r for r in otel.logs() if r.event_name == "gen_ai.evaluation.result"]) == 2


def test_cli_online_exports_linked_results_over_otlp(production_spans):
    """A fresh process with only OTEL_* settings: results reach the OTLP endpoint with the original ids."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    with (
        WireServer(jaeger_query(jaeger_payload(production_spans, "shop"))) as jaeger,
        OtlpHttpReceiver() as otlp,
    ):
        env.update(OTEL_EXPORTER_OTLP_ENDPOINT=otlp.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf")
        argv = ["eval", "online", "--jaeger", jaeger.base_url, "--service", "shop", "-e", "latency=60"]
        done = subprocess.run(
            [sys.executable, "-m", "otel_llm.cli.main", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    chats = [s for s in production_spans if s.name == "chat gpt-4o-mini"]
    records = [
        record
        for request in otlp.requests["logs"]
        for resource_logs in request.resource_logs
        for scope_logs in resource_logs.scope_logs
        for record in scope_logs.log_records
    ]
    assert [(r.event_name, r.trace_id, r.span_id) for r in records] == [
        (
            "gen_ai.evaluation.result",
            s.context.trace_id.to_bytes(16, "big"),
            s.context.span_id.to_bytes(8, "big"),
        )
        for s in chats
    ]
    names = {attribute.key: attribute.value.string_value for attribute in records[0].attributes}
    assert names["gen_ai.evaluation.name"] == "latency"
    assert names["gen_ai.evaluation.score.label"] == "pass"
    assert "otel_llm.evaluation.latency" in otlp.metric_names()  # seconds: not on the [0, 1] score histogram
    assert "otel_llm.evaluation.score" not in otlp.metric_names()
