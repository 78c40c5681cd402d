"""``otel_llm.instrument()`` picks the OpenAI Agents SDK up from our entry points and patches it when the
app imports it: run in a fresh interpreter, where neither ``agents`` nor ``openai`` is imported yet."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

APP = """
import json, sys
sys.path.insert(0, {root!r})
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
import otel_llm

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
handle = otel_llm.instrument(configure_sdk=False, tracer_provider=provider, evaluation_hooks=False)
early = [name for name in ("agents", "openai") if name in sys.modules]

import agents, openai
from tests.agent_trees import tree
from tests.scripted_llm import MODEL, PROMPT, TOOL_LOOP, ScriptedLLM

agents.set_trace_processors([])  # the app drops the platform export; ours is added again on instrument
handle.shutdown()
handle = otel_llm.instrument(configure_sdk=False, tracer_provider=provider, evaluation_hooks=False)

@agents.function_tool
def get_weather(city: str) -> str:
    \"\"\"The weather in a city.\"\"\"
    return f"Sunny in {{city}}"

with ScriptedLLM({{PROMPT: TOOL_LOOP}}) as llm:
    client = openai.AsyncOpenAI(base_url=llm.base_url, api_key="sk-test", max_retries=0)
    model = agents.OpenAIResponsesModel(MODEL, client)
    agent = agents.Agent(name="Weather", tools=[get_weather], model=model)
    output = agents.Runner.run_sync(agent, PROMPT).final_output
print(json.dumps({{"early": early, "instrumented": handle.instrumented, "output": output,
                   "tree": tree(exporter.get_finished_spans())}}))
"""


def test_instrument_patches_the_agents_sdk_when_the_app_imports_it() -> None:
    root = str(Path(__file__).resolve().parents[2])
    script = APP.format(root=root)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["early"] == []
    assert {"OpenAIAgentsInstrumentor", "OpenAIInstrumentor"} <= set(report["instrumented"])
    assert report["output"] == "It is sunny in Paris."
    assert [tuple(row) for row in report["tree"]] == [
        (0, "invoke_workflow Agent workflow", "INTERNAL"),
        (1, "invoke_agent Weather", "INTERNAL"),
        (2, "chat gpt-4o-mini", "CLIENT"),
        (2, "execute_tool get_weather", "INTERNAL"),
        (2, "chat gpt-4o-mini", "CLIENT"),
    ]
