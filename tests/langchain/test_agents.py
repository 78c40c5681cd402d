"""LangChain ``create_agent`` (a LangGraph ReAct loop) with two tools against a scripted OpenAI server."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from langchain.agents import create_agent
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from opentelemetry.trace import SpanKind, StatusCode

import otel_llm
from otel_llm.semconv import attributes as A
from tests.frameworks_server import ANSWER
from tests.semconv_modes import ALL_SEMCONV_MODES, assert_model_call_metrics, usage_totals
from tests.span_tree import by_name, span_tree


@tool
def get_weather(city: str) -> str:
    """The current weather of a city."""
    return f"sunny in {city}"


@tool
def get_time(city: str) -> str:
    """The local time of a city."""
    return f"noon in {city}"


def build_agent(server, name: str = "travel_agent", **model_kwargs):
    llm = ChatOpenAI(
        model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", max_retries=0, **model_kwargs
    )
    return create_agent(llm, [get_weather, get_time], name=name, system_prompt="You help travellers.")


class Outage(RuntimeError):
    pass


QUESTION = {"messages": [("user", "Weather and time in Paris?")]}

AGENT_TREE = [  # an agent's model and tools nodes get no spans: its chat and tool spans are its loop
    "invoke_agent travel_agent [INTERNAL]",
    "  chat gpt-4o-mini [CLIENT]",
    "  execute_tool get_weather [INTERNAL]",
    "  chat gpt-4o-mini [CLIENT]",
    "  execute_tool get_time [INTERNAL]",
    "  chat gpt-4o-mini [CLIENT]",
]


def _client_spans(spans):
    return [s for s in spans if s.kind is SpanKind.CLIENT]


def assert_counted_once(otel, server) -> dict[str, list]:
    """One CLIENT span per request the server saw; tokens and cost only there, equal to the server's.
    Returns the metric points (reading them drains the test's reader)."""
    spans = otel.spans()
    points = otel.metric_points()
    clients = _client_spans(spans)
    assert len(clients) == len(server.requests)
    assert sum(s.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] for s in clients) == sum(
        u["prompt_tokens"] for u in server.usages
    )
    assert sum(s.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] for s in clients) == sum(
        u["completion_tokens"] for u in server.usages
    )
    for span in spans:
        if span.kind is not SpanKind.CLIENT:
            assert not {A.GEN_AI_USAGE_INPUT_TOKENS, A.OTEL_LLM_USAGE_COST_USD} & span.attributes.keys()
    span_cost = sum(s.attributes[A.OTEL_LLM_USAGE_COST_USD] for s in clients)
    metric_cost = sum(p.value for p in points["otel_llm.client.operation.cost"])
    assert metric_cost == pytest.approx(span_cost)
    tokens = usage_totals(server.usages)
    assert_model_call_metrics(points, spans, tokens)
    return points


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="langchain", operation="invoke_agent", mode="sync", feature="react_agent")
@pytest.mark.covers(provider="langchain", operation="execute_tool", mode="sync", feature="basic")
def test_react_agent_with_two_tools_is_one_tree(otel, instrument, server) -> None:
    instrument()
    result = build_agent(server).invoke(QUESTION, config={"configurable": {"thread_id": "th-1"}})
    assert result["messages"][-1].content == ANSWER
    spans = otel.spans()
    assert span_tree(spans) == AGENT_TREE
    assert len({s.context.trace_id for s in spans}) == 1
    (agent,) = by_name(spans, "invoke_agent travel_agent")
    assert dict(agent.attributes) == {
        A.GEN_AI_OPERATION_NAME: "invoke_agent",
        A.GEN_AI_AGENT_NAME: "travel_agent",
        A.GEN_AI_CONVERSATION_ID: "th-1",
        A.GEN_AI_PROVIDER_NAME: "openai",
        A.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
    }
    weather, time_tool = by_name(spans, "execute_tool get_weather") + by_name(spans, "execute_tool get_time")
    assert dict(weather.attributes) == {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: "get_weather",
        A.GEN_AI_TOOL_CALL_ID: "call_1",
        A.GEN_AI_TOOL_TYPE: "function",
        A.GEN_AI_TOOL_DESCRIPTION: "The current weather of a city.",
        A.GEN_AI_AGENT_NAME: "travel_agent",
        A.GEN_AI_CONVERSATION_ID: "th-1",
    }
    assert time_tool.attributes[A.GEN_AI_TOOL_CALL_ID] == "call_2"
    first, *_, last = sorted(_client_spans(spans), key=lambda s: s.start_time)
    assert dict(first.attributes) == {
        A.GEN_AI_OPERATION_NAME: "chat",
        A.GEN_AI_PROVIDER_NAME: "openai",
        A.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
        A.GEN_AI_CONVERSATION_ID: "th-1",
        A.GEN_AI_RESPONSE_MODEL: "gpt-4o-mini-2024-07-18",
        A.GEN_AI_RESPONSE_ID: "chatcmpl-1",
        A.GEN_AI_RESPONSE_FINISH_REASONS: ("tool_calls",),
        A.GEN_AI_USAGE_INPUT_TOKENS: server.usages[0]["prompt_tokens"],
        A.GEN_AI_USAGE_OUTPUT_TOKENS: server.usages[0]["completion_tokens"],
        A.OTEL_LLM_USAGE_COST_USD: pytest.approx(first.attributes[A.OTEL_LLM_USAGE_COST_USD]),
        A.OTEL_LLM_PRICE_TABLE_VERSION: first.attributes[A.OTEL_LLM_PRICE_TABLE_VERSION],
    }
    assert last.attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    points = assert_counted_once(otel, server)
    (point,) = points["gen_ai.invoke_agent.duration"]
    assert dict(point.attributes) == {
        A.GEN_AI_OPERATION_NAME: "invoke_agent",
        A.GEN_AI_AGENT_NAME: "travel_agent",
        A.GEN_AI_PROVIDER_NAME: "openai",
        A.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
    }
    assert sum(p.count for p in points["gen_ai.execute_tool.duration"]) == 2


@pytest.mark.covers(provider="langchain", operation="invoke_agent", mode="sync", feature="sdk_model_spans")
def test_with_the_openai_sdk_instrumented_its_span_is_the_only_model_span(otel, instrument, server) -> None:
    instrument(sdk=True)
    build_agent(server).invoke(QUESTION)
    spans = otel.spans()
    assert span_tree(spans) == AGENT_TREE
    for span in _client_spans(spans):  # the SDK's spans (endpoint, openai.* attributes), under the node
        assert span.attributes[A.SERVER_ADDRESS] == "127.0.0.1"
        assert span.attributes[A.OPENAI_API_TYPE] == "chat_completions"
        (parent,) = [s for s in spans if s.context.span_id == span.parent.span_id]
        assert parent.name == "invoke_agent travel_agent"
    assert_counted_once(otel, server)


def assert_travel_content(spans, agent_name: str) -> None:
    """The captured content of the travel question's agent run: instructions, messages and tool I/O."""
    (agent,) = by_name(spans, agent_name)
    assert json.loads(agent.attributes[A.GEN_AI_SYSTEM_INSTRUCTIONS]) == [
        {"type": "text", "content": "You help travellers."}
    ]
    assert json.loads(agent.attributes[A.GEN_AI_INPUT_MESSAGES]) == [
        {"role": "user", "parts": [{"type": "text", "content": "Weather and time in Paris?"}]}
    ]
    assert json.loads(agent.attributes[A.GEN_AI_OUTPUT_MESSAGES]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": ANSWER}], "finish_reason": "stop"}
    ]
    (weather,) = by_name(spans, "execute_tool get_weather")
    assert json.loads(weather.attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS]) == {"city": "Paris"}
    assert weather.attributes[A.GEN_AI_TOOL_CALL_RESULT] == "sunny in Paris"


@pytest.mark.covers(provider="langchain", operation="invoke_agent", mode="sync", feature="content")
def test_content_capture_records_instructions_messages_and_tool_io(otel, instrument, server) -> None:
    instrument(capture_mode="SPAN_ONLY")
    build_agent(server).invoke(QUESTION)
    spans = otel.spans()
    assert_travel_content(spans, "invoke_agent travel_agent")
    first = min(_client_spans(spans), key=lambda s: s.start_time)
    assert json.loads(first.attributes[A.GEN_AI_OUTPUT_MESSAGES]) == [
        {
            "role": "assistant",
            "parts": [
                {"type": "tool_call", "name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_1"}
            ],
            "finish_reason": "tool_calls",
        }
    ]
    assert json.loads(first.attributes[A.GEN_AI_TOOL_DEFINITIONS]) == [
        {"type": "function", "name": "get_weather"},
        {"type": "function", "name": "get_time"},
    ]


@pytest.mark.covers(provider="langchain", operation="invoke_agent", mode="async", feature="react_agent")
async def test_async_run_is_one_tree(otel, instrument, server) -> None:
    instrument()
    result = await build_agent(server).ainvoke(QUESTION)
    assert result["messages"][-1].content == ANSWER
    assert span_tree(otel.spans()) == AGENT_TREE
    assert_counted_once(otel, server)


@pytest.mark.covers(provider="langchain", operation="invoke_agent", mode="stream", feature="react_agent")
@pytest.mark.parametrize("sdk", [False, True], ids=["framework-span", "sdk-span"])
def test_streamed_run_counts_streamed_usage_once(otel, instrument, server, sdk) -> None:
    instrument(sdk=sdk)
    agent = build_agent(server, streaming=True, stream_usage=True)
    tokens = [chunk for chunk, _ in agent.stream(QUESTION, stream_mode="messages")]
    assert "".join(getattr(t, "content", "") for t in tokens).endswith(ANSWER)
    spans = otel.spans()
    assert span_tree(spans) == AGENT_TREE
    assert all(r["body"]["stream"] for r in server.requests)
    for span in _client_spans(spans):
        assert span.attributes[A.GEN_AI_REQUEST_STREAM] is True
        assert span.attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] > 0
    assert_counted_once(otel, server)


@pytest.mark.covers(
    provider="langchain", operation="invoke_agent", mode="async_stream", feature="react_agent"
)
async def test_async_stream(otel, instrument, server) -> None:
    instrument()
    agent = build_agent(server, streaming=True, stream_usage=True)
    chunks = [chunk async for chunk in agent.astream(QUESTION, stream_mode="updates")]
    assert len(chunks) == 5  # model, tools, model, tools, model
    assert span_tree(otel.spans()) == AGENT_TREE
    assert_counted_once(otel, server)


def _trees_per_trace(spans) -> dict[int, list[str]]:
    traces: dict[int, list] = {}
    for span in spans:
        traces.setdefault(span.context.trace_id, []).append(span)
    return {trace_id: span_tree(group) for trace_id, group in traces.items()}


def _assert_separate_runs(otel, conversations: set[str]) -> None:
    spans = otel.spans()
    trees = _trees_per_trace(spans)
    assert len(trees) == len(conversations)
    for tree in trees.values():
        assert tree == AGENT_TREE  # each run is exactly one whole tree: nothing parented across runs
    seen = {s.attributes[A.GEN_AI_CONVERSATION_ID] for s in spans}
    assert seen == conversations
    for trace_spans in ({s for s in spans if s.context.trace_id == t} for t in trees):
        assert len({s.attributes[A.GEN_AI_CONVERSATION_ID] for s in trace_spans}) == 1


@pytest.mark.covers(provider="langchain", operation="invoke_agent", mode="async", feature="concurrency")
async def test_two_agents_with_asyncio_gather(otel, instrument, server) -> None:
    instrument()
    agent = build_agent(server)
    await asyncio.gather(
        *(agent.ainvoke(QUESTION, config={"configurable": {"thread_id": t}}) for t in ("a", "b"))
    )
    _assert_separate_runs(otel, {"a", "b"})


@pytest.mark.covers(provider="langchain", operation="invoke_agent", mode="sync", feature="concurrency")
def test_two_agents_in_threads(otel, instrument, server) -> None:
    instrument()
    agent = build_agent(server)
    errors = []

    def run(thread_id: str) -> None:
        try:
            agent.invoke(QUESTION, config={"configurable": {"thread_id": thread_id}})
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(t,)) for t in ("x", "y")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _assert_separate_runs(otel, {"x", "y"})


@pytest.mark.covers(provider="langchain", operation="invoke_agent", mode="sync", feature="conversation")
def test_conversation_scope_of_the_app(otel, instrument, server) -> None:
    instrument()
    with otel_llm.conversation("session-7"):
        build_agent(server).invoke(QUESTION)
    assert {s.attributes[A.GEN_AI_CONVERSATION_ID] for s in otel.spans()} == {"session-7"}


@pytest.mark.covers(provider="langchain", operation="execute_tool", mode="sync", feature="errors")
def test_a_failing_tool_reports_on_its_span_and_the_app_sees_the_exception(otel, instrument, server) -> None:
    instrument()
    raised = Outage("weather service down")

    @tool
    def get_weather(city: str) -> str:
        """The current weather of a city."""
        raise raised

    llm = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", max_retries=0)
    agent = create_agent(llm, [get_weather], name="travel_agent")
    with pytest.raises(Outage) as caught:
        agent.invoke(QUESTION)
    assert caught.value is raised
    spans = otel.spans()
    (tool_span,) = by_name(spans, "execute_tool get_weather")
    (agent_span,) = by_name(spans, "invoke_agent travel_agent")
    for span in (tool_span, agent_span):
        assert span.attributes[A.ERROR_TYPE] == "Outage"
        assert span.status.status_code is StatusCode.ERROR
    assert all(s.end_time is not None for s in spans)
