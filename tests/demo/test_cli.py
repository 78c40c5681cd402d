"""``otel-llm demo`` as a user runs it: a subprocess, offline, optionally exporting over OTLP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from rich.console import Console

from otel_llm.cli.demo import TallyingSpanExporter, _report_export, stack_trace_url
from otel_llm.cli.main import build_parser
from otel_llm.demo.app import ANSWERS

from .otlp_receivers import OtlpGrpcReceiver, OtlpHttpReceiver

COMMAND = Path(sys.executable).with_name("otel-llm")  # the console script `pip install -e .` made
EXPECTED_SPANS = sorted([
    "demo.session",
    "chat gpt-4o-mini",
    "chat gpt-4o-mini",
    "chat gpt-4o-mini",
    "execute_tool get_weather",
    "chat gpt-4o-mini",
    "embeddings text-embedding-3-small",
    "chat gpt-4o-mini",
    "chat gpt-unavailable",
])
GENAI_METRICS = {
    "gen_ai.client.operation.duration",
    "gen_ai.client.token.usage",
    "gen_ai.client.operation.time_to_first_chunk",
    "gen_ai.client.operation.time_per_output_chunk",
    "otel_llm.client.operation.cost",
}


def run_demo(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the demo with a clean OTel environment (no inherited OTEL_* or COLUMNS)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_") and k != "COLUMNS"}
    base["OTEL_LLM_STATE_DIR"] = str(tmp_path)  # no recorded `otel-llm stack` plan
    return subprocess.run(
        [str(COMMAND), "demo", "--chunk-delay", "0.002", *args],
        env={**base, **env}, capture_output=True, text=True, timeout=120,
    )


def printed_trace_id(stdout: str) -> str:
    match = re.search(r"^trace id ([0-9a-f]{32})", stdout, re.MULTILINE)
    assert match, stdout
    return match.group(1)


def test_demo_prints_the_trace_and_the_metrics(tmp_path):
    result = run_demo(tmp_path)

    assert result.returncode == 0, result.stderr
    out = result.stdout
    lines = out.splitlines()
    assert lines[0].startswith("otel-llm demo: fake OpenAI server at http://127.0.0.1:")
    assert max(len(line) for line in lines) <= 100
    assert "└── demo.session  INTERNAL" in out
    chat = r"── chat gpt-4o-mini  CLIENT  [\d.]+ ms"
    assert len(re.findall(chat, out)) == 5
    assert len(re.findall(chat + r"  stream, time to first chunk [\d.]+ ms", out)) == 1
    assert "── execute_tool get_weather  INTERNAL" in out
    assert "── embeddings text-embedding-3-small  CLIENT" in out
    assert "openai gpt-4o-mini-2024-07-18 · 37 in / 34 out tokens · finish stop · $0.00002595" in out
    assert "openai gpt-4o-mini-2024-07-18 · 36 in / 5 out tokens · finish tool_calls · $0.0000084" in out
    assert "openai/responses gpt-4o-mini-2024-07-18 · 10 in / 34 out tokens · finish stop · $0.0000219" in out
    assert "openai text-embedding-3-small · 5 in tokens · $0.0000001" in out
    assert "openai · error.type NotFoundError" in out
    # operation, model, calls, errors, tokens in, tokens out, p50, p95, TTFT (ms), cost
    rows = [
        ("chat", "gpt-4o-mini", "5", "0", "242", "141", r"\d+", r"\d+", r"\d+", r"0\.0001209"),
        ("chat", "gpt-unavailable", "1", "1", "0", "0", r"\d+", r"\d+", "-", "-"),
        ("embeddings", "text-embedding-3-small", "1", "0", "5", "0", r"\d+", r"\d+", "-", r"0\.0000001"),
        ("total", "7", "1", "247", "141", r"0\.000121"),
    ]
    for row in rows:
        assert re.search("^" + r"\s+".join(row) + "$", out, re.MULTILINE), (row, out)
    assert "events: gen_ai.client.operation.exception x1" in out
    assert f"trace id {printed_trace_id(out)}; set OTEL_EXPORTER_OTLP_ENDPOINT to export it as well" in out


def test_exports_over_otlp_http(tmp_path):
    with OtlpHttpReceiver() as receiver:
        port = receiver.endpoint.rsplit(":", 1)[1]
        # the receiver stands in for the local stack's collector, so the demo links the trace in Jaeger
        result = run_demo(
            tmp_path, "--capture-content",
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_LLM_OTLP_HTTP_PORT=port,
        )

    assert result.returncode == 0, result.stderr
    trace_id = printed_trace_id(result.stdout)
    spans = receiver.spans()
    assert sorted(span.name for span in spans) == EXPECTED_SPANS
    assert {span.trace_id.hex() for span in spans} == {trace_id}
    assert receiver.resource_attributes()["service.name"] == "otel-llm-demo"
    assert receiver.metric_names() >= GENAI_METRICS
    assert sorted(receiver.event_names()) == ["gen_ai.client.inference.operation.details"] * 7 + [
        "gen_ai.client.operation.exception"
    ]
    # with content captured, each answer is the one to its question
    answered = {}
    for span in spans:
        attributes = {kv.key: kv.value.string_value for kv in span.attributes}
        if "gen_ai.output.messages" in attributes and span.name == "chat gpt-4o-mini":
            question = [m for m in json.loads(attributes["gen_ai.input.messages"]) if m["role"] == "user"][-1]
            (reply,) = json.loads(attributes["gen_ai.output.messages"])
            answered[question["parts"][0]["content"]] = "".join(p.get("content", "") for p in reply["parts"])
    assert answered == ANSWERS
    out = result.stdout
    assert "events: gen_ai.client.inference.operation.details x7, gen_ai.client.operation.exception x1" in out
    assert f"exported 9 spans, the metrics and the events to {receiver.endpoint} (http/protobuf)" in out
    assert f"Jaeger: http://127.0.0.1:16686/trace/{trace_id}" in out
    assert f"Jaeger API: http://127.0.0.1:16686/api/traces/{trace_id}" in out


def test_exports_over_otlp_grpc(tmp_path):
    with OtlpGrpcReceiver() as receiver:
        result = run_demo(
            tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL="grpc"
        )

    assert result.returncode == 0, result.stderr
    trace_id = printed_trace_id(result.stdout)
    assert sorted(span.name for span in receiver.spans()) == EXPECTED_SPANS
    assert {span.trace_id.hex() for span in receiver.spans()} == {trace_id}
    assert receiver.metric_names() >= GENAI_METRICS
    assert receiver.event_names() == ["gen_ai.client.operation.exception"]
    assert f"exported 9 spans, the metrics and the events to {receiver.endpoint} (grpc)" in result.stdout
    assert "Jaeger" not in result.stdout  # not the local stack's collector


def test_failed_export_exits_non_zero(tmp_path):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = run_demo(  # traces only (OTEL_*_EXPORTER are honoured), so the retries end sooner
        tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_EXPORTER_OTLP_TIMEOUT="1",
        OTEL_METRICS_EXPORTER="none", OTEL_LOGS_EXPORTER="none",
    )

    assert result.returncode == 1
    assert f"OTLP export to {endpoint} (http/protobuf) failed: 9 spans not delivered" in result.stdout
    assert "└── demo.session" in result.stdout  # the report is printed before exporting


def test_jaeger_link_only_for_the_local_stack(monkeypatch, tmp_path):
    monkeypatch.setenv("OTEL_LLM_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("OTEL_LLM_JAEGER_UI_PORT", "26686")
    for name in ("OTEL_LLM_OTLP_GRPC_PORT", "OTEL_LLM_OTLP_HTTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    trace_id = 0x0AF7651916CD43DD8448EB211C80319C
    expected = "http://127.0.0.1:26686/trace/0af7651916cd43dd8448eb211c80319c"
    assert stack_trace_url("http://localhost:4317", trace_id) == expected
    assert stack_trace_url("http://127.0.0.1:4318", trace_id) == expected
    assert stack_trace_url("https://collector.example.com:443", trace_id) is None


def test_chunk_delay_must_not_be_negative():
    parser = build_parser()
    assert parser.parse_args(["demo", "--chunk-delay", "0.03"]).chunk_delay == 0.03
    with pytest.raises(SystemExit):
        parser.parse_args(["demo", "--chunk-delay", "-1"])


class FixedResultExporter(SpanExporter):
    def __init__(self, result: SpanExportResult) -> None:
        self.result = result

    def export(self, spans):
        return self.result


def export_report(exporters: list[TallyingSpanExporter], spans: int = 3) -> tuple[int, str]:
    for exporter in exporters:
        exporter.export([None] * spans)
    console = Console(record=True, width=100, color_system=None)
    code = _report_export(console, "http://collector:4318", 0xAB, exporters)
    return code, console.export_text()


def test_export_outcomes(monkeypatch):
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_PROTOCOL", raising=False)
    assert export_report([]) == (0, "no trace exporter (OTEL_TRACES_EXPORTER=none)\n")
    code, text = export_report([TallyingSpanExporter(FixedResultExporter(SpanExportResult.FAILURE))])
    assert code == 1
    assert text == "OTLP export to http://collector:4318 (http/protobuf) failed: 3 spans not delivered\n"
    code, text = export_report([TallyingSpanExporter(FixedResultExporter(SpanExportResult.SUCCESS))])
    assert code == 0
    assert text.splitlines()[:2] == [
        "exported 3 spans, the metrics and the events to http://collector:4318 (http/protobuf)",
        f"trace id {0xAB:032x}",
    ]
