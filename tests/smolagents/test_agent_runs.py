"""The real smolagents ToolCallingAgent against a scripted model on loopback: agent and tool spans over
our OpenAI CLIENT spans, run whole or as a stream of steps, in threads too."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from smolagents.utils import AgentGenerationError

from otel_llm.semconv import attributes as A
from smolagents import OpenAIServerModel, ToolCallingAgent, tool
from tests.agent_trees import (
    assert_counted_once,
    assert_runs_apart,
    named,
    tool_content,
    tree,
)
from tests.scripted_llm import ANSWER, MODEL, PROMPT, ScriptedLLM, Turn, call
from tests.semconv_modes import ALL_SEMCONV_MODES, assert_model_call_metrics

TOOL_LOOP = [call("get_weather", 20, 5, city="Paris"), call("final_answer", 30, 7, answer=ANSWER)]
TOOL_TREE = [
    (0, "invoke_agent weather", "INTERNAL"),
    (1, f"chat {MODEL}", "CLIENT"),
    (1, "execute_tool get_weather", "INTERNAL"),
    (1, f"chat {MODEL}", "CLIENT"),
    (1, "execute_tool final_answer", "INTERNAL"),
]


@tool
def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: The city's name.
    """
    if city == "Atlantis":
        raise ValueError("no weather under the sea")
    return f"Sunny in {city}"


def make_agent(llm: ScriptedLLM) -> ToolCallingAgent:
    model = OpenAIServerModel(
        MODEL, api_base=llm.base_url, api_key="sk-test", client_kwargs={"max_retries": 0}
    )
    return ToolCallingAgent(tools=[get_weather], model=model, name="weather", verbosity_level=0, max_steps=3)


def run(agent: ToolCallingAgent, prompt: str, mode: str):
    if mode == "sync":
        return agent.run(prompt)
    steps = list(agent.run(prompt, stream=True))
    return steps[-1].output


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(
    "mode",
    [
        pytest.param(
            "sync",
            marks=pytest.mark.covers(
                provider="smolagents", operation="invoke_agent", mode="sync", feature="tools"
            ),
        ),
        pytest.param(
            "stream",
            marks=pytest.mark.covers(
                provider="smolagents", operation="invoke_agent", mode="stream", feature="tools"
            ),
        ),
    ],
)
def test_tool_loop_tree_tokens_and_cost_once(otel, instrument, mode) -> None:
    instrument()
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        assert run(make_agent(llm), PROMPT, mode) == ANSWER
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE
    (agent,) = named(spans, "invoke_agent weather")
    assert dict(agent.attributes) == {
        A.GEN_AI_OPERATION_NAME: "invoke_agent",
        A.GEN_AI_AGENT_NAME: "weather",
        A.GEN_AI_REQUEST_MODEL: MODEL,
    }
    (tool_span,) = named(spans, "execute_tool get_weather")
    assert dict(tool_span.attributes) == {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: "get_weather",
        A.GEN_AI_TOOL_TYPE: "function",
        A.GEN_AI_TOOL_DESCRIPTION: "The weather in a city.",
        A.GEN_AI_AGENT_NAME: "weather",  # the agent whose span is current
    }
    assert len(assert_counted_once(spans, llm.requests, (50, 12))) == 2
    assert_model_call_metrics(otel.metric_points(), spans, (50, 12))


@pytest.mark.covers(provider="smolagents", operation="invoke_agent", mode="sync", feature="content")
def test_tool_arguments_and_result_with_content_capture(otel, instrument) -> None:
    instrument(capture_mode="SPAN_ONLY")
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        run(make_agent(llm), PROMPT, "sync")
    assert tool_content(otel.spans(), "execute_tool get_weather") == ({"city": "Paris"}, "Sunny in Paris")


@pytest.mark.covers(provider="smolagents", operation="invoke_agent", mode="sync", feature="errors")
def test_failing_tool_has_error_type_and_the_agent_goes_on(otel, instrument) -> None:
    instrument()
    prompt = "Weather in Atlantis?"
    script = [call("get_weather", city="Atlantis"), call("final_answer", answer="Unknown.")]
    with ScriptedLLM({prompt: script}) as llm:
        assert run(make_agent(llm), prompt, "sync") == "Unknown."  # smolagents shows the error to the model
    spans = otel.spans()
    assert {s.name: s.attributes.get(A.ERROR_TYPE) for s in spans if s.kind.name == "INTERNAL"} == {
        "invoke_agent weather": None,
        "execute_tool get_weather": "ValueError",
        "execute_tool final_answer": None,
    }


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="smolagents", operation="invoke_agent", mode="sync", feature="errors")
def test_failing_model_call(otel, instrument) -> None:
    instrument()
    prompt = "Weather in Rome?"
    with ScriptedLLM({prompt: [Turn(status=400)]}) as llm, pytest.raises(AgentGenerationError):
        make_agent(llm).run(prompt)
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE[:2]
    assert {s.name: s.attributes.get(A.ERROR_TYPE) for s in spans} == {
        "invoke_agent weather": "AgentGenerationError",
        f"chat {MODEL}": "BadRequestError",
    }


@pytest.mark.covers(provider="smolagents", operation="invoke_agent", mode="sync", feature="concurrency")
def test_runs_in_threads_each_get_their_own_tree(otel, instrument) -> None:
    instrument()
    prompts = [f"What is the weather in city {i}?" for i in range(4)]
    scripts = {
        p: [call("get_weather", city=f"City{i}"), call("final_answer", answer=f"Sunny {i}.")]
        for i, p in enumerate(prompts)
    }
    with ScriptedLLM(scripts) as llm, ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda p: make_agent(llm).run(p), prompts))
    assert answers == [f"Sunny {i}." for i in range(4)]
    assert_runs_apart(otel.spans(), "invoke_agent weather", TOOL_TREE, 4)
