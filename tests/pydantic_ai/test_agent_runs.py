"""The real Pydantic AI against a scripted model on loopback: our capability's agent and tool spans over
our OpenAI CLIENT spans, or Pydantic AI's own instrumentation with ours standing aside."""

from __future__ import annotations

import asyncio

import pytest
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

import openai
from otel_llm.semconv import attributes as A
from pydantic_ai import Agent
from tests.agent_trees import (
    assert_counted_once,
    assert_runs_apart,
    client_spans,
    metric_sum,
    named,
    token_sums,
    tool_content,
    tool_loop_tree,
    tree,
)
from tests.bundled_prices import bundled_stamp
from tests.scripted_llm import ANSWER, MODEL, PROMPT, RESOLVED_MODEL, TOOL_LOOP, ScriptedLLM, Turn, call, say
from tests.semconv_modes import ALL_SEMCONV_MODES, assert_model_call_metrics

TOOL_TREE = tool_loop_tree("invoke_agent weather")


def make_agent(llm: ScriptedLLM, api: str = "chat") -> Agent:
    client = openai.AsyncOpenAI(base_url=llm.base_url, api_key="sk-test", max_retries=0)
    provider = OpenAIProvider(openai_client=client)
    model_class = OpenAIChatModel if api == "chat" else OpenAIResponsesModel
    agent = Agent(model_class(MODEL, provider=provider), name="weather", instructions="Answer briefly.")

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The weather in a city."""
        if city == "Atlantis":
            raise ValueError("no weather under the sea")
        return f"Sunny in {city}"

    return agent


async def _streamed(agent: Agent, prompt: str) -> str:
    async with agent.run_stream(prompt) as result:
        return await result.get_output()


def run(agent: Agent, prompt: str, mode: str) -> str:
    if mode == "sync":
        return agent.run_sync(prompt).output
    if mode == "async":
        return asyncio.run(agent.run(prompt)).output
    return asyncio.run(_streamed(agent, prompt))


RUNS = [
    pytest.param(
        api,
        mode,
        marks=pytest.mark.covers(
            provider="pydantic_ai", operation="invoke_agent", mode=mode, feature=f"tools_{api}"
        ),
    )
    for api, mode in [("chat", "sync"), ("chat", "async"), ("chat", "stream"), ("responses", "async")]
]


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(("api", "mode"), RUNS)
def test_tool_loop_tree_tokens_and_cost_once(otel, instrument, api, mode) -> None:
    instrument()
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        assert run(make_agent(llm, api), PROMPT, mode) == ANSWER
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE
    (agent,) = named(spans, "invoke_agent weather")
    assert dict(agent.attributes) == {
        A.GEN_AI_OPERATION_NAME: "invoke_agent",
        A.GEN_AI_AGENT_NAME: "weather",
        A.GEN_AI_REQUEST_MODEL: MODEL,
        A.GEN_AI_PROVIDER_NAME: "openai",
    }
    (tool,) = named(spans, "execute_tool get_weather")
    call_id = tool.attributes[A.GEN_AI_TOOL_CALL_ID]
    assert call_id.startswith(("call_", "fc_"))
    assert dict(tool.attributes) == {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: "get_weather",
        A.GEN_AI_TOOL_CALL_ID: call_id,
        A.GEN_AI_TOOL_TYPE: "function",
        A.GEN_AI_TOOL_DESCRIPTION: "The weather in a city.",
        A.GEN_AI_AGENT_NAME: "weather",
    }
    models = assert_counted_once(spans, llm.requests, (50, 12))
    assert [
        (s.attributes[A.GEN_AI_USAGE_INPUT_TOKENS], s.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS])
        for s in models
    ] == [
        (20, 5),
        (30, 7),
    ]
    points = otel.metric_points()
    assert_model_call_metrics(points, spans, (50, 12))
    assert len(points["gen_ai.invoke_agent.duration"]) == 1


@pytest.mark.covers(provider="pydantic_ai", operation="invoke_agent", mode="sync", feature="content")
def test_tool_arguments_and_result_with_content_capture(otel, instrument) -> None:
    instrument(capture_mode="SPAN_ONLY")
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        run(make_agent(llm), PROMPT, "sync")
    assert tool_content(otel.spans(), "execute_tool get_weather") == ({"city": "Paris"}, "Sunny in Paris")


@pytest.mark.covers(provider="pydantic_ai", operation="invoke_agent", mode="sync", feature="errors")
def test_failing_tool_fails_its_span_and_reaches_the_app(otel, instrument) -> None:
    instrument()
    prompt = "Weather in Atlantis?"
    with (
        ScriptedLLM({prompt: [call("get_weather", city="Atlantis")]}) as llm,
        pytest.raises(ValueError) as caught,
    ):
        run(make_agent(llm), prompt, "sync")
    assert str(caught.value) == "no weather under the sea"
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE[:3]
    assert {s.name: s.attributes.get(A.ERROR_TYPE) for s in spans} == {
        "invoke_agent weather": "ValueError",
        f"chat {MODEL}": None,
        "execute_tool get_weather": "ValueError",
    }


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(
    "mode",
    [
        pytest.param(
            m,
            marks=pytest.mark.covers(
                provider="pydantic_ai", operation="invoke_agent", mode=m, feature="errors"
            ),
        )
        for m in ("async", "stream")
    ],
)
def test_failing_model_call(otel, instrument, mode) -> None:
    instrument()
    prompt = "Weather in Rome?"
    with ScriptedLLM({prompt: [Turn(status=429)]}) as llm, pytest.raises(ModelHTTPError) as caught:
        run(make_agent(llm), prompt, mode)
    assert caught.value.status_code == 429
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE[:2]
    assert {s.name: s.attributes.get(A.ERROR_TYPE) for s in spans} == {
        "invoke_agent weather": "ModelRateLimitError",  # the exception the app gets
        f"chat {MODEL}": "RateLimitError",
    }


@pytest.mark.covers(provider="pydantic_ai", operation="invoke_agent", mode="async", feature="concurrency")
def test_concurrent_runs_each_get_their_own_tree(otel, instrument) -> None:
    instrument()
    prompts = [f"What is the weather in city {i}?" for i in range(4)]
    scripts = {p: [call("get_weather", city=f"City{i}"), say(f"Sunny {i}.")] for i, p in enumerate(prompts)}

    async def main(llm: ScriptedLLM) -> list[str]:
        agent = make_agent(llm)
        return [r.output for r in await asyncio.gather(*(agent.run(p) for p in prompts))]

    with ScriptedLLM(scripts) as llm:
        assert asyncio.run(main(llm)) == [f"Sunny {i}." for i in range(4)]
    assert_runs_apart(otel.spans(), "invoke_agent weather", TOOL_TREE, 4)


@pytest.mark.no_conformance  # Pydantic AI's own spans carry its keys (logfire.*, gen_ai.aggregated_usage.*)
@pytest.mark.covers(
    provider="pydantic_ai", operation="invoke_agent", mode="sync", feature="own_instrumentation"
)
def test_with_pydantic_ais_own_instrumentation_ours_stands_aside(otel, instrument) -> None:
    instrument()
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        agent = make_agent(llm)
        agent.instrument = True
        assert run(agent, PROMPT, "sync") == ANSWER
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE
    assert {s.instrumentation_scope.name for s in spans} == {
        "pydantic-ai"
    }  # one CLIENT span per call: theirs
    assert len(client_spans(spans)) == len(llm.requests) == 2
    assert token_sums(client_spans(spans)) == (50, 12)


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param(
            m,
            marks=pytest.mark.covers(
                provider="pydantic_ai", operation="invoke_agent", mode=m, feature="no_provider_instrumentor"
            ),
        )
        for m in ("sync", "async", "stream")
    ],
)
def test_without_the_sdks_instrumentor_the_capability_records_the_model_calls(otel, instrument, mode) -> None:
    """OpenAI's SDK not instrumented: our capability's CLIENT span per request, tokens and cost once."""
    instrument(openai=False)
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        assert run(make_agent(llm), PROMPT, mode) == ANSWER
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE
    assert {s.instrumentation_scope.name for s in spans} == {"otel_llm"}
    models = assert_counted_once(spans, llm.requests, (50, 12))
    port = int(llm.base_url.rsplit(":", 1)[1].split("/")[0])
    turns = [("chatcmpl_0002", 20, 5, "tool_call"), ("chatcmpl_0003", 30, 7, "stop")]  # call_0001 between
    for span, (response_id, input_tokens, output_tokens, finish) in zip(models, turns):
        attributes = dict(span.attributes)
        assert attributes.pop(A.OTEL_LLM_USAGE_COST_USD) > 0
        assert attributes == {
            A.GEN_AI_OPERATION_NAME: "chat",
            A.GEN_AI_PROVIDER_NAME: "openai",
            A.GEN_AI_REQUEST_MODEL: MODEL,
            A.SERVER_ADDRESS: "127.0.0.1",
            A.SERVER_PORT: port,
            **({A.GEN_AI_REQUEST_STREAM: True} if mode == "stream" else {}),
            A.GEN_AI_RESPONSE_MODEL: RESOLVED_MODEL,
            A.GEN_AI_RESPONSE_ID: response_id,
            A.GEN_AI_RESPONSE_FINISH_REASONS: (finish,),
            A.GEN_AI_USAGE_INPUT_TOKENS: input_tokens,
            A.GEN_AI_USAGE_OUTPUT_TOKENS: output_tokens,
            A.OTEL_LLM_PRICE_TABLE_VERSION: bundled_stamp(),
        }
        assert span.parent.span_id == named(spans, "invoke_agent weather")[0].context.span_id
    points = otel.metric_points()  # default mode; no time to first chunk (no hook sees the first chunk)
    assert metric_sum(points, "gen_ai.client.token.usage", **{A.GEN_AI_TOKEN_TYPE: "input"}) == 50
    assert metric_sum(points, "gen_ai.client.token.usage", **{A.GEN_AI_TOKEN_TYPE: "output"}) == 12
    assert len(points["gen_ai.client.operation.duration"]) == 1
    assert sum(p.count for p in points["gen_ai.client.operation.duration"]) == 2


@pytest.mark.covers(
    provider="pydantic_ai", operation="invoke_agent", mode="async", feature="no_provider_instrumentor"
)
def test_without_the_sdks_instrumentor_a_failing_model_call_fails_our_client_span(otel, instrument) -> None:
    instrument(openai=False)
    prompt = "Weather in Rome?"
    with ScriptedLLM({prompt: [Turn(status=429)]}) as llm, pytest.raises(ModelHTTPError) as caught:
        run(make_agent(llm), prompt, "async")
    assert caught.value.status_code == 429
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE[:2]
    assert {s.name: s.attributes.get(A.ERROR_TYPE) for s in spans} == {
        "invoke_agent weather": "ModelRateLimitError",
        f"chat {MODEL}": "ModelRateLimitError",
    }
    assert token_sums(spans) == (0, 0)
