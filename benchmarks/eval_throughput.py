"""Throughput of offline evaluation: 1,000 examples through the runner with the deterministic evaluators.

Scenarios, each over the same 1,000 examples (the HF doc QA set of tests/evaluation/data, cycled):

- ``in-process target``: the target answers from a dict, so the figure is the runner's own cost
  (example span, span capture, eight evaluators, 8,000 events and histogram points);
- ``openai SDK -> fake server``: the instrumented openai SDK calls the demo's fake provider on loopback,
  sequentially and with 4 threads, after a baseline of the same calls without evaluation.

Then each evaluator alone, per call. Telemetry goes to SDK providers with in-memory exporters.

Run (project root): ``nice .venv/bin/python benchmarks/eval_throughput.py --write docs/evaluation.md``
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT / "tests" / "evaluation" / "data" / "hf_doc_qa_eval.csv"
START, END = "<!-- eval-throughput:start -->", "<!-- eval-throughput:end -->"


def set_up_telemetry() -> tuple[InMemorySpanExporter, InMemoryLogRecordExporter]:
    spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(tracer_provider)
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    _logs.set_logger_provider(logger_provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
    return spans, logs


def build_examples(count: int):
    from otel_llm.evaluation import load_dataset

    base = load_dataset(DATASET)
    return [
        replace(base[i % len(base)], id=str(i + 1), input=f"{base[i % len(base)].input} (#{i + 1})")
        for i in range(count)
    ]


def deterministic_evaluators():
    from otel_llm.evaluation.evaluators import (
        Bleu,
        Contains,
        ExactMatch,
        JsonValid,
        NumericMatch,
        RegexMatch,
        RougeL,
        StringSimilarity,
    )

    return [
        ExactMatch(),
        Contains(),
        RegexMatch(r"\w+"),
        NumericMatch(),
        JsonValid(),
        StringSimilarity(),
        RougeL(),
        Bleu(),
    ]


def answer_for(examples) -> Callable[[str], str]:
    """Right answer for two examples in three, a vague one for the third."""
    table = {e.input: (e.expected if i % 3 else "I am not sure.") for i, e in enumerate(examples)}
    return table.__getitem__


def timed_run(examples, target, concurrency: int, logs: InMemoryLogRecordExporter) -> dict:
    from otel_llm.evaluation import OfflineRunner

    logs.clear()
    evaluators = deterministic_evaluators()
    started = time.perf_counter()
    run = OfflineRunner(target, evaluators, concurrency).run(examples)
    seconds = time.perf_counter() - started
    events = len(logs.get_finished_logs())
    assert events == len(examples) * len(evaluators), events
    return {"seconds": seconds, "examples": len(run.examples), "scores": events, "run": run}


def per_evaluator(examples, target) -> list[tuple[str, float]]:
    from otel_llm.evaluation import EvalCase

    cases = [EvalCase(input=e.input, output=target(e.input), expected=e.expected) for e in examples]
    rows = []
    for evaluator in deterministic_evaluators():
        started = time.perf_counter()
        for case in cases:
            evaluator(case)
        rows.append((evaluator.name, (time.perf_counter() - started) / len(cases) * 1e6))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--write", type=Path, help="replace the figures section of this Markdown file")
    args = parser.parse_args()

    _, logs = set_up_telemetry()
    from otel_llm.demo.fake_server import FakeOpenAIServer
    from otel_llm.instrumentation.openai import OpenAIInstrumentor

    sys.path.insert(0, str(ROOT))
    examples = build_examples(args.examples)
    local = answer_for(examples)
    results = [("in-process target", 1, timed_run(examples, local, 1, logs))]

    def respond(body: dict) -> str:
        return local(next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user"))

    with FakeOpenAIServer(responder=respond) as server:
        os.environ["EVAL_APP_BASE_URL"] = server.base_url
        from tests.evaluation.eval_app import answer

        OpenAIInstrumentor().instrument()
        answer(examples[0].input)  # warm the client and connection
        started = time.perf_counter()
        for example in examples:
            answer(example.input)
        bare = {"seconds": time.perf_counter() - started, "examples": len(examples), "scores": 0}
        results.append(("openai SDK -> fake server, no evaluation (baseline)", 1, bare))
        for concurrency in (1, 4):
            results.append(
                ("openai SDK -> fake server", concurrency, timed_run(examples, answer, concurrency, logs))
            )
        OpenAIInstrumentor().uninstrument()

    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} CPUs "
        f"(load average {os.getloadavg()[0]:.1f} at the end), Python {platform.python_version()}; "
        f"{args.examples} examples, 8 deterministic evaluators "
        f"(exact_match, contains, regex, numeric_match, json_valid, string_similarity, rouge_l, bleu).",
        "",
        "| scenario | threads | wall time (s) | examples/s | scores/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, threads, result in results:
        scores = f"{result['scores'] / result['seconds']:.0f}" if result["scores"] else "-"
        lines.append(
            f"| {name} | {threads} | {result['seconds']:.2f} | {result['examples'] / result['seconds']:.0f} "
            f"| {scores} |"
        )
    lines += ["", "| evaluator | µs per call |", "|---|---:|"]
    lines += [f"| {name} | {micros:.1f} |" for name, micros in per_evaluator(examples, local)]
    command = "nice .venv/bin/python benchmarks/eval_throughput.py " + shlex.join(sys.argv[1:])
    lines += ["", f"Command: `{command.strip()}`"]
    block = "\n".join(lines)
    print(block)
    if args.write:
        text = args.write.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"{args.write} has no {START} ... {END} section")
        args.write.write_text(pattern.sub(lambda _: f"{START}\n{block}\n{END}", text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
