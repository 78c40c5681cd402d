"""Per-call overhead of the OpenAI instrumentation: the working tree against a git revision.

    nice .venv/bin/python benchmarks/overhead_ab.py HEAD~1 --pairs 3

Each pair runs one process per side, alternating (``ab.py``), so that both see the machine
in the same phase. A process times ``chat.completions.create`` against a ``MockTransport`` in rounds:
``--calls`` bare calls, then as many instrumented ones (SDK providers, spans kept in memory), and keeps
each round's median thread CPU time per call. It prints the medians over the rounds: bare, instrumented,
and their difference, the overhead per call. Prints a Markdown table. ``--capture SPAN_ONLY`` (or
another capture mode) times the calls with content capture on, so that the content mapping is timed too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from ab import WORKING_TREE, alternate

BODY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10},
}


def measure(rounds: int, calls: int, capture: str) -> dict[str, float]:
    import openai._base_client as base_client
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    import openai
    from otel_llm.instrumentation.openai import OpenAIInstrumentor

    http = getattr(base_client, "httpx2", None) or base_client.httpx
    transport = http.MockTransport(lambda request: http.Response(200, json=BODY))
    client = openai.OpenAI(api_key="sk-test", http_client=http.Client(transport=transport))
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    providers = {
        "tracer_provider": tracer_provider,
        "meter_provider": MeterProvider(metric_readers=[InMemoryMetricReader()]),
        "logger_provider": LoggerProvider(),
        "capture_mode": capture,
    }
    messages = [{"role": "user", "content": "Say hi"}]

    def timed() -> float:
        samples = []
        for _ in range(calls):
            start = time.thread_time_ns()
            client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            samples.append(time.thread_time_ns() - start)
        return statistics.median(samples) / 1000

    instrumentor = OpenAIInstrumentor()
    bare, instrumented = [], []
    for _ in range(rounds):
        bare.append(timed())
        instrumentor.instrument(**providers)
        timed()  # warm: the first instrumented calls load the price table and build instruments
        instrumented.append(timed())
        instrumentor.uninstrument()
        spans.clear()
    return {"bare": statistics.median(bare), "instrumented": statistics.median(instrumented)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", nargs="?", default="HEAD")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--capture", default="NO_CONTENT", help="the capture mode (default NO_CONTENT)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.rounds, args.calls, args.capture)))
        return
    lines = [
        "| pair | code | bare µs/call | instrumented µs/call | overhead µs/call |",
        "|---|---|---|---|---|",
    ]
    overheads: dict[str, list[float]] = {args.revision: [], WORKING_TREE: []}
    arguments = ["--rounds", str(args.rounds), "--calls", str(args.calls), "--capture", args.capture]
    for pair, name, result in alternate(__file__, args.revision, args.pairs, arguments):
        overhead = result["instrumented"] - result["bare"]
        overheads[name].append(overhead)
        bare, instrumented = result["bare"], result["instrumented"]
        lines.append(f"| {pair} | {name} | {bare:.1f} | {instrumented:.1f} | {overhead:.1f} |")
    for name, values in overheads.items():
        lines.append(f"| median | {name} | | | {statistics.median(values):.1f} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
