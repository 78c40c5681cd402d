"""Smoke tests of the overhead benchmark: it runs end to end, and its arithmetic and fixtures are right.

No timing is asserted: the figures depend on the machine.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import overhead
import overhead_scenarios as S

ROOT = Path(__file__).resolve().parents[2]


def test_script_runs_and_writes_the_document(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    args = ["--rounds", "2", "--calls", "2", "--warmup", "1", "--chunks", "3", "--profile", "3"]
    completed = subprocess.run(
        [sys.executable, "benchmarks/overhead.py", *args, "--write", str(doc)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    text = doc.read_text()
    assert text.startswith("# Instrumentation overhead\n")
    assert f"benchmarks/overhead.py {' '.join(args)} --write {doc}`" in text
    assert f"openai {metadata.version('openai')} on {S.sdk_http_module().__name__}" in text
    for clock in overhead.CLOCKS.values():
        assert f"### Measured with {clock}" in text
    assert text.count("| (c) otel-llm `OpenAIInstrumentor` |") == 2
    off_target = "- per chunk, chunks parsed beforehand, otel-llm with `OTEL_LLM_CHUNK_METRIC=off`: "
    assert text.count(off_target) == 2
    assert text.count("| (b') floor + `time_per_output_chunk` recorded inline for each chunk |") == 2
    assert "| function | calls per op | own µs per op | cumulative µs per op |" in text
    assert "Own time per call by package: otel_llm " in text
    assert "wrote " + str(doc) in completed.stdout


def test_per_chunk_and_overhead_arithmetic() -> None:
    reading = overhead.ITERATION
    medians = {
        "bare call": [100.0, 110.0],
        "otel-llm call": [130.0, 150.0],
        f"bare stream 1{reading}": [10.0, 12.0],
        f"bare stream 5{reading}": [50.0, 52.0],
        f"otel-llm stream 1{reading}": [14.0, 16.0],
        f"otel-llm stream 5{reading}": [62.0, 68.0],
    }
    results = overhead.Results("cpu", 5, medians)
    assert results.overhead("otel-llm call", "bare call") == overhead.Spread(35.0, 32.5, 37.5)
    # round 1: ((62 - 14) - (50 - 10)) / 4 = 2; round 2: ((68 - 16) - (52 - 12)) / 4 = 3
    assert results.per_chunk("otel-llm", "bare") == overhead.Spread(2.5, 2.25, 2.75)


def test_sse_body_yields_the_content_chunks_then_usage() -> None:
    create = S.sdk_create(S.mock_client(S.sse_body(4), "text/event-stream"))
    chunks = list(create(**S.STREAM_REQUEST))
    assert [chunk.choices[0].delta.content for chunk in chunks[:4]] == ["tok0 ", "tok1 ", "tok2 ", "tok3 "]
    assert [chunk.choices[0].finish_reason for chunk in chunks[:4]] == [None, None, None, "stop"]
    assert chunks[4].choices == []
    assert chunks[4].usage.completion_tokens == 9
    opened = []
    assert S.bare_stream(create, S.STREAM_REQUEST, lambda: opened.append(True)) == 5
    assert opened == [True]


def test_mock_client_serves_the_chat_completion() -> None:
    create = S.original_create(S.mock_client(S.chat_body(), "application/json"))
    response = S.bare_call(create, S.REQUEST, S.ignore)
    assert response.model == S.RESPONSE_MODEL
    assert response.choices[0].message.content == "Red, yellow and blue."
    assert response.usage.prompt_tokens == 24


def test_replayed_stream_yields_the_parsed_chunks_through_the_sdk_stream() -> None:
    chunks = S.parsed_chunks(3)
    assert len(chunks) == 4 and chunks[3].usage.completion_tokens == 9
    create = S.replayed(S.original_create(S.mock_client(S.sse_body(1), "text/event-stream")), chunks)
    stream = create(**S.STREAM_REQUEST)
    assert type(stream).__name__ == "Stream"
    assert list(stream) == chunks


def test_floor_with_chunk_metric_records_every_chunk_after_the_first() -> None:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider

    reader = InMemoryMetricReader()
    providers = S.Providers(TracerProvider(), MeterProvider(metric_readers=[reader]), LoggerProvider())
    client = S.mock_client(S.sse_body(4), "text/event-stream")
    floor = S.Floor(providers, client)
    create = S.original_create(client)
    assert floor.stream(create, S.STREAM_REQUEST, S.ignore, chunk_metric=True) == 5
    metrics = {
        metric.name: metric.data.data_points
        for resource in reader.get_metrics_data().resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    (point,) = metrics["gen_ai.client.operation.time_per_output_chunk"]
    assert point.count == 4
    assert point.attributes["gen_ai.response.model"] == S.RESPONSE_MODEL


def test_startup_script_writes_its_document(tmp_path: Path) -> None:
    doc = tmp_path / "startup.md"
    completed = subprocess.run(
        [sys.executable, "benchmarks/startup.py", "--runs", "1", "--write", str(doc)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    rows = {line.split(" | ")[0]: line for line in doc.read_text().splitlines() if line.startswith("| (")}
    assert rows["| (a) `import otel_llm; otel_llm.instrument()`"].endswith("| none |")
    assert rows["| (c) importing `openai` alone"].endswith("| openai |")
