"""The real Haystack Agent against a scripted model on loopback: agent and tool spans over our OpenAI
CLIENT spans, sync, async and streamed."""

from __future__ import annotations

import asyncio

import pytest
from haystack.components.agents import Agent
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.tools import Tool
from haystack.utils import Secret

import openai
from otel_llm.semconv import attributes as A
from tests.agent_trees import (
    assert_counted_once,
    assert_runs_apart,
    named,
    tool_content,
    tool_loop_tree,
    tree,
)
from tests.scripted_llm import ANSWER, MODEL, PROMPT, TOOL_LOOP, ScriptedLLM, Turn, call, say
from tests.semconv_modes import ALL_SEMCONV_MODES, assert_model_call_metrics

TOOL_TREE = tool_loop_tree("invoke_agent")


def get_weather(city: str) -> str:
    if city == "Atlantis":
        raise ValueError("no weather under the sea")
    return f"Sunny in {city}"


WEATHER = Tool(
    name="get_weather",
    description="The weather in a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    function=get_weather,
)


def make_agent(llm: ScriptedLLM, stream: bool = False) -> Agent:
    generator = OpenAIChatGenerator(
        api_key=Secret.from_token("sk-test"), model=MODEL, api_base_url=llm.base_url, max_retries=0
    )
    chunks = []
    return Agent(
        chat_generator=generator, tools=[WEATHER], streaming_callback=chunks.append if stream else None
    )


def run(agent: Agent, prompt: str, mode: str) -> str:
    messages = [ChatMessage.from_user(prompt)]
    if mode == "async":
        return asyncio.run(agent.run_async(messages=messages))["last_message"].text
    return agent.run(messages=messages)["last_message"].text


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(
    "mode",
    [
        pytest.param(
            mode,
            marks=pytest.mark.covers(
                provider="haystack", operation="invoke_agent", mode=mode, feature="tools"
            ),
        )
        for mode in ("sync", "async", "stream")
    ],
)
def test_tool_loop_tree_tokens_and_cost_once(otel, instrument, mode) -> None:
    instrument()
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        assert run(make_agent(llm, stream=mode == "stream"), PROMPT, mode) == ANSWER
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE
    (agent,) = named(spans, "invoke_agent")
    assert dict(agent.attributes) == {A.GEN_AI_OPERATION_NAME: "invoke_agent", A.GEN_AI_REQUEST_MODEL: MODEL}
    (tool,) = named(spans, "execute_tool get_weather")
    assert dict(tool.attributes) == {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: "get_weather",
        A.GEN_AI_TOOL_CALL_ID: "call_0001",  # the model's first reply asked for it
        A.GEN_AI_TOOL_TYPE: "function",
        A.GEN_AI_TOOL_DESCRIPTION: "The weather in a city.",
    }
    models = assert_counted_once(spans, llm.requests, (50, 12))
    assert all(s.attributes.get(A.GEN_AI_REQUEST_STREAM, False) is (mode == "stream") for s in models)
    assert_model_call_metrics(otel.metric_points(), spans, (50, 12))


@pytest.mark.covers(provider="haystack", operation="invoke_agent", mode="sync", feature="content")
def test_tool_arguments_and_result_with_content_capture(otel, instrument) -> None:
    instrument(capture_mode="SPAN_ONLY")
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        run(make_agent(llm), PROMPT, "sync")
    assert tool_content(otel.spans(), "execute_tool get_weather") == ({"city": "Paris"}, "Sunny in Paris")


@pytest.mark.covers(provider="haystack", operation="invoke_agent", mode="sync", feature="errors")
def test_failing_tool_has_error_type_and_the_agent_goes_on(otel, instrument) -> None:
    instrument()
    prompt = "Weather in Atlantis?"
    with ScriptedLLM({prompt: [call("get_weather", city="Atlantis"), say("I cannot tell.")]}) as llm:
        assert (
            run(make_agent(llm), prompt, "sync") == "I cannot tell."
        )  # Haystack hands the error to the model
    spans = otel.spans()
    (tool,) = named(spans, "execute_tool get_weather")
    assert tool.attributes[A.ERROR_TYPE] == "ToolInvocationError"
    assert [s.name for s in spans if A.ERROR_TYPE in s.attributes] == [tool.name]


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="haystack", operation="invoke_agent", mode="async", feature="errors")
def test_failing_model_call_reaches_the_app_unchanged(otel, instrument) -> None:
    instrument()
    prompt = "Weather in Rome?"
    with ScriptedLLM({prompt: [Turn(status=429)]}) as llm, pytest.raises(openai.RateLimitError) as caught:
        run(make_agent(llm), prompt, "async")
    assert caught.value.status_code == 429
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE[:2]
    assert {s.name: s.attributes.get(A.ERROR_TYPE) for s in spans} == {
        "invoke_agent": "RateLimitError",
        f"chat {MODEL}": "RateLimitError",
    }


@pytest.mark.covers(provider="haystack", operation="invoke_agent", mode="async", feature="concurrency")
def test_concurrent_runs_each_get_their_own_tree(otel, instrument) -> None:
    instrument()
    prompts = [f"What is the weather in city {i}?" for i in range(4)]
    scripts = {p: [call("get_weather", city=f"City{i}"), say(f"Sunny {i}.")] for i, p in enumerate(prompts)}

    async def main(llm: ScriptedLLM) -> list[str]:
        agent = make_agent(llm)
        runs = [agent.run_async(messages=[ChatMessage.from_user(p)]) for p in prompts]
        return [result["last_message"].text for result in await asyncio.gather(*runs)]

    with ScriptedLLM(scripts) as llm:
        assert asyncio.run(main(llm)) == [f"Sunny {i}." for i in range(4)]
    spans = otel.spans()
    assert_runs_apart(spans, "invoke_agent", TOOL_TREE, 4)
    call_ids = [s.attributes.get(A.GEN_AI_TOOL_CALL_ID) for s in named(spans, "execute_tool get_weather")]
    assert len(set(call_ids)) == 4 and all(str(i).startswith("call_") for i in call_ids)  # each its own
