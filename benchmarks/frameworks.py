"""Overhead per step of LangChain/LangGraph instrumentations on a 10-step agent loop, side by side.

The app: ``langchain.agents.create_agent`` (a LangGraph ReAct loop) with one tool, against a fake
OpenAI-compatible server on loopback that asks for the tool until 9 results are in, then answers: 10 model
calls and 9 tool calls per run, i.e. 10 steps (a step is a model call and the tool call it asks for).

Each variant runs in its own process (instrumentors patch LangChain globally), in pairs of runs: one
uninstrumented, one instrumented (instrument, run, uninstrument), in alternating order. The overhead of a
pair is the difference of their thread CPU times (the server thread is not counted) divided by 10; the
figures are the median and interquartile range over pairs. Every variant exports to the same in-memory
exporter through a ``SimpleSpanProcessor`` and records metrics to an in-memory reader.

Variants: otel-llm's LangChain instrumentor alone (model spans from the callbacks); otel-llm's LangChain
and OpenAI instrumentors (model spans from the SDK); OpenLLMetry's
``opentelemetry-instrumentation-langchain``; OpenInference's ``openinference-instrumentation-langchain``.

Run from the project root (needs ``.[frameworks-bench]``):
``.venv/bin/python benchmarks/frameworks.py --write docs/performance.md``
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from time import thread_time_ns

STEPS = 10
START, END = "<!-- frameworks:start -->", "<!-- frameworks:end -->"
VARIANTS = {
    "otel-llm (LangChain)": "otel_llm",
    "otel-llm (LangChain + OpenAI SDK)": "otel_llm_sdk",
    "OpenLLMetry": "openllmetry",
    "OpenInference": "openinference",
}
PACKAGES = (
    "langchain",
    "langchain-core",
    "langgraph",
    "langchain-openai",
    "openai",
    "opentelemetry-sdk",
    "opentelemetry-instrumentation-langchain",
    "openinference-instrumentation-langchain",
)


# -- one variant, in its own process ------------------------------------------------------------


def _route(method, path, body):
    from tests.wire_server import Reply

    messages = body["messages"]
    done = sum(1 for m in messages if m.get("role") == "tool")
    usage = {"prompt_tokens": 30 + 5 * len(messages), "completion_tokens": 8}
    usage["total_tokens"] = usage["prompt_tokens"] + 8
    if done < STEPS - 1:
        function = {"name": "next_step", "arguments": "{}"}
        call = {"id": f"call_{done}", "type": "function", "function": function}
        message, finish = {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
    else:
        message, finish = {"role": "assistant", "content": "done"}, "stop"
    choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
    return Reply(
        json_body={
            "id": f"chatcmpl-{done}",
            "object": "chat.completion",
            "created": 0,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [choice],
            "usage": usage,
        }
    )


def _instrumentor(variant: str, providers: dict):
    if variant in ("otel_llm", "otel_llm_sdk"):
        from otel_llm.config import load_settings
        from otel_llm.instrumentation.langchain import LangChainInstrumentor
        from otel_llm.instrumentation.openai import OpenAIInstrumentor
        from otel_llm.telemetry.invocation import GenAITelemetry

        telemetry = GenAITelemetry(load_settings(env={}), **providers)
        chosen = [LangChainInstrumentor()] + ([OpenAIInstrumentor()] if variant == "otel_llm_sdk" else [])
        return (lambda: [i.instrument(telemetry=telemetry) for i in chosen]), (
            lambda: [i.uninstrument() for i in chosen]
        )
    if variant == "openllmetry":
        from opentelemetry.instrumentation.langchain import LangchainInstrumentor as Peer
    else:
        from openinference.instrumentation.langchain import LangChainInstrumentor as Peer
    peer = Peer()
    return (lambda: peer.instrument(**providers)), peer.uninstrument


def run_variant(variant: str, rounds: int) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from langchain.agents import create_agent
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from tests.wire_server import WireServer

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    meter_provider = MeterProvider([InMemoryMetricReader()])
    providers = {"tracer_provider": tracer_provider, "meter_provider": meter_provider}
    on, off = _instrumentor(variant, providers)

    @tool
    def next_step() -> str:
        """Advance the task by one step."""
        return "ok"

    with WireServer(_route) as server:
        url = f"{server.base_url}/v1"
        question = {"messages": [("user", "go")]}

        def new_agent():
            llm = ChatOpenAI(model="gpt-4o-mini", base_url=url, api_key="sk-bench", max_retries=0)
            agent = create_agent(llm, [next_step], name="stepper")
            for _ in range(2):  # warm: connection, caches
                agent.invoke(question)
            return agent

        def timed(agent) -> int:
            start = thread_time_ns()
            agent.invoke(question)
            return thread_time_ns() - start

        # The OpenAI SDK caches ``with_raw_response`` (how LangChain calls it) per client on first use:
        # one agent is only ever run uninstrumented, the other only instrumented.
        bare_agent = new_agent()
        on()
        instrumented_agent = new_agent()
        exporter.clear()
        instrumented_agent.invoke(question)
        spans = exporter.get_finished_spans()
        tree = {
            "spans": len(spans),
            "client": sum(1 for s in spans if s.kind.name == "CLIENT"),
            "roots": sum(1 for s in spans if s.parent is None),
        }
        off()
        bare, overhead = [], []
        for index in range(rounds):  # pairs of runs, in alternating order
            if index % 2:
                on()
                instrumented = timed(instrumented_agent)
                off()
                base = timed(bare_agent)
            else:
                base = timed(bare_agent)
                on()
                instrumented = timed(instrumented_agent)
                off()
            bare.append(base / 1e3)
            overhead.append((instrumented - base) / 1e3 / STEPS)
    return {"bare_run_us": statistics.median(bare), "overhead_us": overhead, **tree}


# -- the comparison ---------------------------------------------------------------------------


def _spread(values: list[float]) -> str:
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
    return f"{q2:.0f} µs (IQR {q1:.0f} – {q3:.0f})"


def _versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def document(results: dict[str, dict], command: str) -> str:
    lines = [
        START,
        "## LangChain / LangGraph: overhead per agent step",
        "",
        "Generated by `benchmarks/frameworks.py`; do not edit by hand. A 10-step LangGraph agent loop",
        "(`langchain.agents.create_agent`, 10 model calls and 9 tool calls against a fake OpenAI server on",
        "loopback), each instrumentation in its own process, in pairs of an uninstrumented and an",
        "instrumented run (alternating order); overhead per step = difference of their thread CPU time / 10;",
        "median and interquartile range over the pairs.",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()}; "
        f"{_versions()}.",
        "",
        "| instrumentation | overhead per step | spans per run | CLIENT spans | root spans |",
        "|---|---|---|---|---|",
    ]
    bare = statistics.median(r["bare_run_us"] for r in results.values())
    for name, result in results.items():
        lines.append(
            f"| {name} | {_spread(result['overhead_us'])} | {result['spans']} | {result['client']} |"
            f" {result['roots']} |"
        )
    lines += ["", f"Uninstrumented run (10 steps): {bare / 1e3:.1f} ms of thread CPU time (median).", END]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60, help="pairs of runs per variant")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--write", type=Path, help="put the results section into this Markdown file")
    args = parser.parse_args(argv)
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.rounds)))
        return 0
    results = {}
    for name, variant in VARIANTS.items():
        options = ["--rounds", str(args.rounds)]
        done = subprocess.run(
            [sys.executable, __file__, "--variant", variant, *options],
            capture_output=True,
            text=True,
            check=True,
        )
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        print(name, _spread(results[name]["overhead_us"]), f"{results[name]['spans']} spans", flush=True)
    command = ".venv/bin/python benchmarks/frameworks.py " + " ".join(argv or sys.argv[1:])
    section = document(results, command.strip())
    if args.write:
        text = args.write.read_text(encoding="utf-8")
        if START in text:
            text = text[: text.index(START)] + section + text[text.index(END) + len(END) + 1 :]
        else:
            text = text.rstrip("\n") + "\n\n" + section
        args.write.write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
    else:
        print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
