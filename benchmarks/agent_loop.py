"""Overhead of one OpenAI Agents SDK agent loop: uninstrumented, otel-llm, and OpenInference's instrumentor.

The loop is ``await Runner.run(agent, prompt)`` for an agent with one function tool: two Responses API
calls (a tool call, then the answer) and one tool execution. The SDK's own ``AsyncOpenAI`` client sends
them through a ``MockTransport`` serving prebuilt bodies, so no socket is involved. Each variant runs in
a fresh process (instrumentors patch process-wide), the variants take turns over ``--rounds`` rounds,
and each round times ``--loops`` loops after a warm-up; figures are medians over the rounds.

- ``uninstrumented``: the SDK with its trace processors emptied (no platform export), no OTel;
- ``otel-llm``: ``OpenAIAgentsInstrumentor`` and ``OpenAIInstrumentor`` (one CLIENT span per model call);
- ``openinference``: ``openinference-instrumentation-openai-agents`` from PyPI (its default exclusive
  processor: it replaces the SDK's processors).

Both instrumented variants export to a no-op exporter through a ``SimpleSpanProcessor`` and record
metrics into an in-memory reader. Run from the project root::

    .venv/bin/python benchmarks/agent_loop.py --write docs/performance.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from time import perf_counter_ns, process_time_ns
from typing import Any

VARIANTS = ("uninstrumented", "otel-llm", "openinference")
START = "<!-- agent-loop:start -->"
END = "<!-- agent-loop:end -->"
PROMPT = "What is the weather in Paris?"


def _response(output: list[dict[str, Any]], number: int) -> bytes:
    usage = {"input_tokens": 20, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5,
             "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 25}  # fmt: skip
    return json.dumps(
        {
            "id": f"resp_{number}",
            "object": "response",
            "created_at": 1_760_000_000,
            "status": "completed",
            "model": "gpt-4o-mini-2024-07-18",
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": usage,
        }
    ).encode()


TOOL_CALL = _response(
    [
        {
            "id": "fc_1",
            "type": "function_call",
            "status": "completed",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": '{"city": "Paris"}',
        }
    ],
    1,
)
ANSWER = _response(
    [
        {
            "id": "msg_1",
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "It is sunny in Paris.", "annotations": []}],
        }
    ],
    2,
)


def _agent() -> Any:
    from agents import Agent, OpenAIResponsesModel, function_tool

    import openai
    from overhead_scenarios import sdk_http_module

    http = sdk_http_module()

    def respond(request: Any) -> Any:
        body = ANSWER if b"function_call_output" in request.content else TOOL_CALL
        return http.Response(200, headers={"content-type": "application/json"}, content=body)

    client = openai.AsyncOpenAI(
        api_key="sk-bench", max_retries=0, http_client=http.AsyncClient(transport=http.MockTransport(respond))
    )

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"Sunny in {city}"

    return Agent(name="Weather", instructions="Answer briefly.", tools=[get_weather],
                 model=OpenAIResponsesModel("gpt-4o-mini", client))  # fmt: skip


def _setup(variant: str) -> Any:
    """Configure the variant; returns the span exporter's counter (``None`` uninstrumented)."""
    import agents

    agents.set_trace_processors([])
    if variant == "uninstrumented":
        return None
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

    class Counting(SpanExporter):
        spans = 0

        def export(self, spans: Any) -> SpanExportResult:
            Counting.spans += len(spans)
            return SpanExportResult.SUCCESS

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(Counting()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    providers = {"tracer_provider": tracer_provider, "meter_provider": meter_provider}
    if variant == "otel-llm":
        from otel_llm.instrumentation.openai import OpenAIInstrumentor
        from otel_llm.instrumentation.openai_agents import OpenAIAgentsInstrumentor

        OpenAIInstrumentor().instrument(**providers)
        OpenAIAgentsInstrumentor().instrument(**providers)
    else:
        from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

        OpenAIAgentsInstrumentor().instrument(**providers)
    return Counting


def child(variant: str, loops: int, warmup: int) -> None:
    """Time ``loops`` agent loops in this process; print per-loop medians as JSON."""
    from agents import Runner

    counter = _setup(variant)
    agent = _agent()

    async def main() -> dict[str, Any]:
        for _ in range(warmup):
            await Runner.run(agent, PROMPT)
        before = counter.spans if counter else 0
        wall, cpu = [], []
        for _ in range(loops):
            w0, c0 = perf_counter_ns(), process_time_ns()
            await Runner.run(agent, PROMPT)
            cpu.append(process_time_ns() - c0)
            wall.append(perf_counter_ns() - w0)
        spans = ((counter.spans - before) / loops) if counter else 0
        return {
            "wall_us": statistics.median(wall) / 1e3,
            "cpu_us": statistics.median(cpu) / 1e3,
            "spans": spans,
        }

    print(json.dumps(asyncio.run(main())))


def run(rounds: int, loops: int, warmup: int) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
    for _ in range(rounds):
        for variant in VARIANTS:
            command = [
                sys.executable,
                __file__,
                "--child",
                variant,
                "--loops",
                str(loops),
                "--warmup",
                str(warmup),
            ]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results[variant].append(json.loads(output.strip().splitlines()[-1]))
    return results


def document(results: dict[str, list[dict[str, Any]]], command: str) -> str:
    def median(variant: str, key: str) -> float:
        return statistics.median(r[key] for r in results[variant])

    base_wall, base_cpu = median("uninstrumented", "wall_us"), median("uninstrumented", "cpu_us")
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in (
            "openai-agents",
            "openai",
            "opentelemetry-sdk",
            "openinference-instrumentation-openai-agents",
        )
    )
    lines = [
        START,
        "## OpenAI Agents SDK agent loop",
        "",
        "One `Runner.run` of an agent with one function tool: two Responses API calls and one tool call,",
        "through a `MockTransport` (no socket). Each variant runs in its own process; medians over the",
        "rounds of each round's per-loop median (`benchmarks/agent_loop.py`); `spans`: spans per loop.",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on Python {platform.python_version()}, {versions}:",
        "",
        f"    {command}",
        "",
        "| variant | wall µs / loop | overhead | process CPU µs / loop | overhead | spans |",
        "|---|---|---|---|---|---|",
    ]
    for variant in VARIANTS:
        wall, cpu = median(variant, "wall_us"), median(variant, "cpu_us")
        lines.append(
            f"| {variant} | {wall:.0f} | {wall - base_wall:+.0f} | {cpu:.0f} | {cpu - base_cpu:+.0f} | "
            f"{median(variant, 'spans'):.0f} |"
        )
    lines += [
        "",
        "otel-llm's tree per loop: `invoke_workflow` > `invoke_agent` > two `chat` CLIENT spans (the OpenAI",
        "instrumentor's, with usage, cost and `server.*`) and one `execute_tool`. OpenInference's: the",
        "workflow, the agent, two response spans from the SDK's data, the tool, and task and turn spans.",
        END,
    ]
    return "\n".join(lines) + "\n"


def write(path: Path, section: str) -> None:
    """Replace this benchmark's section of ``path`` (or append it)."""
    text = path.read_text() if path.exists() else ""
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--loops", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--write", type=Path, help="replace the agent-loop section of this Markdown file")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.loops, args.warmup)
        return
    results = run(args.rounds, args.loops, args.warmup)
    command = "python benchmarks/agent_loop.py " + " ".join(sys.argv[1:])
    section = document(results, command.strip())
    print(section)
    if args.write:
        write(args.write, section)


if __name__ == "__main__":
    main()
