"""LangChain's legacy ``AgentExecutor`` (langchain-classic with LangChain 1.x) with two tools.

LangChain 1.x moved ``AgentExecutor`` and ``create_tool_calling_agent`` out of ``langchain.agents`` into
the ``langchain-classic`` package; the instrumentor marks its runs as agents in either place.
"""

from __future__ import annotations

import pytest
from langchain_classic.agents import AgentExecutor, create_tool_calling_agent
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from opentelemetry.trace import SpanKind, StatusCode

from otel_llm.semconv import attributes as A
from tests.frameworks_server import ANSWER
from tests.langchain.test_agents import (
    AGENT_TREE,
    Outage,
    assert_counted_once,
    assert_travel_content,
    get_time,
    get_weather,
)
from tests.span_tree import by_name, span_tree

QUESTION = {"input": "Weather and time in Paris?"}
PROMPT = ChatPromptTemplate.from_messages(
    [("system", "You help travellers."), ("human", "{input}"), ("placeholder", "{agent_scratchpad}")]
)


def build_executor(server, tools=(get_weather, get_time), **executor_kwargs) -> AgentExecutor:
    # the tool-calling agent streams its model: stream_usage asks the server for the usage chunk
    llm = ChatOpenAI(
        model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", max_retries=0, stream_usage=True
    )
    agent = create_tool_calling_agent(llm, list(tools), PROMPT)
    return AgentExecutor(agent=agent, tools=list(tools), **executor_kwargs)


async def _run(executor: AgentExecutor, mode: str) -> str:
    if mode == "sync":
        return executor.invoke(QUESTION)["output"]
    if mode == "async":
        return (await executor.ainvoke(QUESTION))["output"]
    if mode == "stream":
        return list(executor.stream(QUESTION))[-1]["output"]
    return [chunk async for chunk in executor.astream(QUESTION)][-1]["output"]


MODES = [  # each mode its own coverage cell
    pytest.param(
        mode,
        marks=pytest.mark.covers(
            provider="langchain", operation="invoke_agent", mode=mode, feature="agent_executor"
        ),
    )
    for mode in ("sync", "async", "stream", "async_stream")
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("sdk", [False, True], ids=["framework-spans", "sdk-spans"])
async def test_agent_executor_is_one_agent_tree(otel, instrument, server, mode, sdk) -> None:
    instrument(sdk=sdk)
    assert await _run(build_executor(server, name="travel_agent"), mode) == ANSWER
    spans = otel.spans()
    assert span_tree(spans) == AGENT_TREE  # the same tree as create_agent's
    assert len({s.context.trace_id for s in spans}) == 1
    (agent,) = by_name(spans, "invoke_agent travel_agent")
    assert dict(agent.attributes) == {
        A.GEN_AI_OPERATION_NAME: "invoke_agent",
        A.GEN_AI_AGENT_NAME: "travel_agent",
        A.GEN_AI_PROVIDER_NAME: "openai",
        A.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
    }
    weather, time_tool = by_name(spans, "execute_tool get_weather") + by_name(spans, "execute_tool get_time")
    assert dict(weather.attributes) == {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: "get_weather",
        A.GEN_AI_TOOL_CALL_ID: "call_1",  # from the agent action: AgentExecutor runs tools without it
        A.GEN_AI_TOOL_TYPE: "function",
        A.GEN_AI_TOOL_DESCRIPTION: "The current weather of a city.",
        A.GEN_AI_AGENT_NAME: "travel_agent",
    }
    assert time_tool.attributes[A.GEN_AI_TOOL_CALL_ID] == "call_2"
    for span in spans:
        if span.kind is SpanKind.CLIENT:  # every model call is a child of the agent
            assert span.parent.span_id == agent.context.span_id
            assert span.attributes[A.GEN_AI_REQUEST_STREAM] is True
            assert (A.SERVER_ADDRESS in span.attributes) is sdk
    points = assert_counted_once(otel, server)
    (point,) = points["gen_ai.invoke_agent.duration"]
    assert point.attributes[A.GEN_AI_AGENT_NAME] == "travel_agent"


@pytest.mark.covers(provider="langchain", operation="invoke_agent", mode="sync", feature="content")
def test_agent_executor_content_and_default_name(otel, instrument, server) -> None:
    instrument(capture_mode="SPAN_ONLY")
    assert build_executor(server).invoke(QUESTION)["output"] == ANSWER
    spans = otel.spans()
    assert span_tree(spans)[0] == "invoke_agent AgentExecutor [INTERNAL]"  # unnamed: the run's name
    assert_travel_content(spans, "invoke_agent AgentExecutor")


@pytest.mark.covers(
    provider="langchain", operation="execute_tool", mode="sync", feature="agent_executor_errors"
)
def test_a_failing_tool_of_an_agent_executor(otel, instrument, server) -> None:
    instrument()
    raised = Outage("weather service down")

    @tool
    def get_weather(city: str) -> str:
        """The current weather of a city."""
        raise raised

    with pytest.raises(Outage) as caught:
        build_executor(server, tools=[get_weather], name="travel_agent").invoke(QUESTION)
    assert caught.value is raised
    spans = otel.spans()
    assert span_tree(spans) == [
        "invoke_agent travel_agent [INTERNAL]",
        "  chat gpt-4o-mini [CLIENT]",
        "  execute_tool get_weather [INTERNAL]",
    ]
    for span in by_name(spans, "execute_tool get_weather") + by_name(spans, "invoke_agent travel_agent"):
        assert span.attributes[A.ERROR_TYPE] == "Outage"
        assert span.status.status_code is StatusCode.ERROR


def test_uninstrument_restores_the_executor(instrument) -> None:
    from langchain_classic.agents import agent as module

    instrument()
    from otel_llm.instrumentation.langchain import LangChainInstrumentor

    assert hasattr(module.AgentExecutor.__dict__["_iter_next_step"], "__wrapped__")
    LangChainInstrumentor().uninstrument()
    assert not hasattr(module.AgentExecutor.__dict__["_iter_next_step"], "__wrapped__")
