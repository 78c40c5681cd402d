"""Overhead per step of LangChain/LangGraph instrumentations on a 10-step agent loop, side by side.

The app: ``langchain.agents.create_agent`` (a LangGraph ReAct loop) with one tool, against a fake
OpenAI-compatible server on loopback that asks for the tool until 9 results are in, then answers: 10 model
calls and 9 tool calls per run, i.e. 10 steps (a step is a model call and the tool call it asks for).

Each variant runs in a fresh process, instrumented from the start (OpenLLMetry's ``uninstrument()`` leaves
its callback handler active, so instrument/uninstrument cycles in one process cannot give a baseline); a
round runs the uninstrumented app and every variant once each. The overhead of a variant in a round is the
difference of its median run and the uninstrumented median run of that round (thread CPU time: the server
thread is not counted), divided by 10; the figures are the median and interquartile range over rounds.
Every variant exports to the same in-memory exporter through a ``SimpleSpanProcessor`` and records
metrics to an in-memory reader.

Variants: otel-llm's LangChain instrumentor alone (model spans from the callbacks); otel-llm's LangChain
and OpenAI instrumentors (model spans from the SDK); OpenLLMetry's
``opentelemetry-instrumentation-langchain``; OpenInference's ``openinference-instrumentation-langchain``.

Run from the project root (needs ``.[frameworks-bench]``):
``.venv/bin/python benchmarks/frameworks.py --write docs/performance.md``
"""

from __future__ import annotations

import argparse
import cProfile
import json
import platform
import pstats
import statistics
import subprocess
import sys
from datetime import UTC, datetime
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


def _calls(function, *args) -> int:
    """Python function calls made by ``function(*args)``: a count the machine's load does not blur."""
    profile = cProfile.Profile()
    profile.runcall(function, *args)
    return pstats.Stats(profile).total_calls


def run_variant(variant: str, runs: int) -> dict:
    """``runs`` timed runs of the agent, instrumented by ``variant`` from the start (``bare``: never)."""
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
    if variant != "bare":
        on, _ = _instrumentor(variant, {"tracer_provider": tracer_provider, "meter_provider": meter_provider})
        on()

    @tool
    def next_step() -> str:
        """Advance the task by one step."""
        return "ok"

    with WireServer(_route) as server:
        llm = ChatOpenAI(
            model="gpt-4o-mini", base_url=f"{server.base_url}/v1", api_key="sk-bench", max_retries=0
        )
        agent = create_agent(llm, [next_step], name="stepper")
        question = {"messages": [("user", "go")]}
        for _ in range(2):  # warm: connection, caches
            agent.invoke(question)
        exporter.clear()
        agent.invoke(question)
        spans = exporter.get_finished_spans()
        calls = _calls(agent.invoke, question)
        times = []
        for _ in range(runs):
            start = thread_time_ns()
            agent.invoke(question)
            times.append(thread_time_ns() - start)
    return {
        "run_us": statistics.median(times) / 1e3,
        "calls": calls,
        "spans": len(spans),
        "client": sum(1 for s in spans if s.kind.name == "CLIENT"),
        "roots": sum(1 for s in spans if s.parent is None),
    }


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
        "loopback). Each round runs the uninstrumented app and each instrumentation in a fresh process;",
        "overhead per step = (median run of the variant - median uninstrumented run of the round) / 10, in",
        "thread CPU time; median and interquartile range over the rounds.",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()}; "
        f"{_versions()}.",
        "",
        "| instrumentation | overhead per step (CPU) | Python calls added per step | spans per run |"
        " CLIENT spans | root spans |",
        "|---|---|---|---|---|---|",
    ]
    bare = statistics.median(r["bare_run_us"] for r in results.values())
    for name, result in results.items():
        lines.append(
            f"| {name} | {_spread(result['overhead_us'])} | {result['calls_per_step']:.0f} |"
            f" {result['spans']} | {result['client']} | {result['roots']} |"
        )
    lines += [
        "",
        f"Uninstrumented run (10 steps): {bare / 1e3:.1f} ms of thread CPU time (median).",
        "Python calls added per step: the function calls cProfile counts in one instrumented run less one",
        "uninstrumented run, / 10 (deterministic; the CPU-time figures carry the noise of other load).",
        f"Rounds: {len(next(iter(results.values()))['overhead_us'])}.",
        END,
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of one process per variant")
    parser.add_argument("--runs", type=int, default=9, help="timed runs per process")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--write", type=Path, help="put the results section into this Markdown file")
    args = parser.parse_args(argv)
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.runs)))
        return 0
    rounds: list[dict[str, dict]] = []
    for _ in range(args.rounds):  # every variant once per round, each in a fresh process
        measured = {}
        for variant in ("bare", *VARIANTS.values()):
            done = subprocess.run(
                [sys.executable, __file__, "--variant", variant, "--runs", str(args.runs)],
                capture_output=True,
                text=True,
                check=True,
            )
            measured[variant] = json.loads(done.stdout.strip().splitlines()[-1])
        rounds.append(measured)
        print({v: round(m["run_us"]) for v, m in measured.items()}, flush=True)
    results = {}
    for name, variant in VARIANTS.items():
        last, bare = rounds[-1][variant], rounds[-1]["bare"]
        results[name] = {
            **{key: last[key] for key in ("spans", "client", "roots")},
            "overhead_us": [(r[variant]["run_us"] - r["bare"]["run_us"]) / STEPS for r in rounds],
            "calls_per_step": (last["calls"] - bare["calls"]) / STEPS,
            "bare_run_us": statistics.median(r["bare"]["run_us"] for r in rounds),
        }
        print(
            name, _spread(results[name]["overhead_us"]), f"{results[name]['calls_per_step']:.0f} calls/step"
        )
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
