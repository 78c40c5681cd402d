"""LangGraph graphs: a parallel branch, a conditional edge, retrieval, failures, prebuilt agents, and
payloads or hooks that break."""

from __future__ import annotations

import json
import operator
from typing import Annotated, TypedDict
from uuid import uuid4

import pytest
from langchain_core.tools import tool
from langchain_core.vectorstores import InMemoryVectorStore
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from langgraph.graph import END, START, StateGraph
from opentelemetry.trace import StatusCode

from otel_llm.semconv import attributes as A
from tests.frameworks_server import ANSWER
from tests.span_tree import by_name, span_tree


class State(TypedDict):
    question: str
    route: str
    notes: Annotated[list, operator.add]
    answer: str


def build_graph(server, retriever, fail_in: str | None = None):
    llm = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", max_retries=0)

    def classify(state: State) -> dict:
        return {"route": "research" if "Paris" in state["question"] else "direct"}

    def search_docs(state: State) -> dict:
        if fail_in == "search_docs":
            raise LookupError("index offline")
        return {"notes": [d.page_content for d in retriever.invoke(state["question"])]}

    def search_web(state: State) -> dict:
        return {"notes": ["web: sunny"]}

    def answer(state: State) -> dict:
        reply = llm.invoke([("system", "Answer from the notes."), ("user", state["question"])])
        return {"answer": reply.content}

    def direct(state: State) -> dict:
        return {"answer": "no research needed"}

    graph = StateGraph(State)
    for node in (classify, search_docs, search_web, answer, direct):
        graph.add_node(node.__name__, node)
    graph.add_edge(START, "classify")
    graph.add_conditional_edges(
        "classify",
        lambda s: ["search_docs", "search_web"] if s["route"] == "research" else ["direct"],
        ["search_docs", "search_web", "direct"],
    )
    graph.add_edge(["search_docs", "search_web"], "answer")
    graph.add_edge("answer", END)
    graph.add_edge("direct", END)
    return graph.compile(name="research")


@pytest.fixture
def retriever(server):
    embeddings = OpenAIEmbeddings(
        model="text-embedding-3-small",
        base_url=server.base_url,
        api_key="sk-test",
        check_embedding_ctx_length=False,
    )
    store = InMemoryVectorStore.from_texts(
        ["Paris is sunny in June.", "Rome is hot in July."], embedding=embeddings, ids=["d1", "d2"]
    )
    return store.as_retriever(search_kwargs={"k": 1}).with_config(run_name="city_notes")


def _tree_with_parallel(first: str, second: str, embeddings: bool) -> list[str]:
    retrieval = ["    retrieval city_notes [CLIENT]"] + (
        ["      embeddings text-embedding-3-small [CLIENT]"] if embeddings else []
    )
    branches = {
        "search_docs": ["  search_docs [INTERNAL]", *retrieval],
        "search_web": ["  search_web [INTERNAL]"],
    }
    return [
        "invoke_workflow research [INTERNAL]",
        "  classify [INTERNAL]",
        *branches[first],
        *branches[second],
        "  answer [INTERNAL]",
        "    chat gpt-4o-mini [CLIENT]",
    ]


def _assert_parallel_tree(spans, embeddings: bool) -> None:
    tree = span_tree(spans)
    assert tree in (
        _tree_with_parallel("search_docs", "search_web", embeddings),
        _tree_with_parallel("search_web", "search_docs", embeddings),
    )


@pytest.mark.covers(provider="langchain", operation="invoke_workflow", mode="sync", feature="parallel_branch")
@pytest.mark.covers(provider="langchain", operation="retrieval", mode="sync", feature="basic")
@pytest.mark.parametrize("sdk", [False, True], ids=["framework-span", "sdk-spans"])
def test_parallel_branch_and_conditional_edge(otel, instrument, server, retriever, sdk) -> None:
    instrument(sdk=sdk, capture_mode="SPAN_ONLY")
    app = build_graph(server, retriever)
    result = app.invoke(
        {"question": "Weather in Paris?", "notes": []}, {"configurable": {"thread_id": "g-1"}}
    )
    assert result["answer"] == ANSWER
    spans = otel.spans()
    _assert_parallel_tree(spans, embeddings=sdk)  # LangChain has no embeddings callback: the SDK's span
    nodes = {s.name: s for s in spans if A.OTEL_LLM_WORKFLOW_NODE_NAME in s.attributes}
    assert {name: s.attributes[A.OTEL_LLM_WORKFLOW_NODE_STEP] for name, s in nodes.items()} == {
        "classify": 1,
        "search_docs": 2,
        "search_web": 2,
        "answer": 3,
    }
    assert nodes["classify"].attributes[A.GEN_AI_CONVERSATION_ID] == "g-1"
    (workflow,) = by_name(spans, "invoke_workflow research")
    assert dict(workflow.attributes) == {
        A.GEN_AI_OPERATION_NAME: "invoke_workflow",
        A.GEN_AI_WORKFLOW_NAME: "research",
        A.GEN_AI_CONVERSATION_ID: "g-1",
    }
    (retrieval,) = by_name(spans, "retrieval city_notes")
    assert retrieval.attributes[A.GEN_AI_DATA_SOURCE_ID] == "city_notes"
    assert retrieval.attributes[A.GEN_AI_PROVIDER_NAME] == "openai"
    assert retrieval.attributes[A.GEN_AI_RETRIEVAL_QUERY_TEXT] == "Weather in Paris?"
    assert json.loads(retrieval.attributes[A.GEN_AI_RETRIEVAL_DOCUMENTS]) == [
        {"id": "d1", "content": "Paris is sunny in June."}
    ]
    (chat,) = by_name(spans, "chat gpt-4o-mini")
    assert chat.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == server.usages[-1]["prompt_tokens"]
    (point,) = otel.metric_points()["gen_ai.workflow.duration"]
    assert dict(point.attributes) == {A.GEN_AI_WORKFLOW_NAME: "research"}


@pytest.mark.covers(
    provider="langchain", operation="invoke_workflow", mode="sync", feature="conditional_edge"
)
def test_the_other_branch_of_the_conditional_edge(otel, instrument, server, retriever) -> None:
    instrument()
    result = build_graph(server, retriever).invoke({"question": "Hello", "notes": []})
    assert result["answer"] == "no research needed"
    assert span_tree(otel.spans()) == [
        "invoke_workflow research [INTERNAL]",
        "  classify [INTERNAL]",
        "  direct [INTERNAL]",
    ]


@pytest.mark.covers(
    provider="langchain", operation="invoke_workflow", mode="async", feature="parallel_branch"
)
@pytest.mark.covers(provider="langchain", operation="retrieval", mode="async", feature="basic")
async def test_async_graph(otel, instrument, server, retriever) -> None:
    instrument(sdk=True)
    result = await build_graph(server, retriever).ainvoke({"question": "Weather in Paris?", "notes": []})
    assert result["answer"] == ANSWER
    _assert_parallel_tree(otel.spans(), embeddings=True)


@pytest.mark.covers(provider="langchain", operation="invoke_workflow", mode="sync", feature="errors")
def test_a_failing_node_reports_on_its_span_and_the_app_sees_the_exception(
    otel, instrument, server, retriever
) -> None:
    instrument()
    app = build_graph(server, retriever, fail_in="search_docs")
    with pytest.raises(LookupError, match="index offline"):
        app.invoke({"question": "Weather in Paris?", "notes": []})
    spans = otel.spans()
    (node,) = by_name(spans, "search_docs")
    (workflow,) = by_name(spans, "invoke_workflow research")
    for span in (node, workflow):
        assert span.attributes[A.ERROR_TYPE] == "LookupError"
        assert span.status.status_code is StatusCode.ERROR
    (web,) = by_name(spans, "search_web")
    assert web.status.status_code is StatusCode.UNSET
    assert by_name(spans, "answer") == []


@pytest.mark.covers(
    provider="langchain", operation="invoke_agent", mode="sync", feature="prebuilt_react_agent"
)
def test_prebuilt_react_agent_is_an_agent(otel, instrument, server) -> None:
    instrument()
    from langgraph.prebuilt import chat_agent_executor

    @tool
    def get_weather(city: str) -> str:
        """The current weather of a city."""
        return f"sunny in {city}"

    llm = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", max_retries=0)
    with pytest.warns(DeprecationWarning):
        agent = chat_agent_executor.create_react_agent(llm, [get_weather], name="weather_bot")
    agent.invoke({"messages": [("user", "Weather in Paris?")]})
    assert span_tree(otel.spans()) == [
        "invoke_agent weather_bot [INTERNAL]",
        "  chat gpt-4o-mini [CLIENT]",
        "  execute_tool get_weather [INTERNAL]",
        "  chat gpt-4o-mini [CLIENT]",
    ]


def test_a_failing_content_hook_never_reaches_the_app(otel, instrument, server, retriever) -> None:
    def hook(name, value):
        raise RuntimeError("hook bug")

    instrument(capture_mode="SPAN_ONLY", content_hook=hook)
    result = build_graph(server, retriever).invoke({"question": "Weather in Paris?", "notes": []})
    assert result["answer"] == ANSWER
    spans = otel.spans()
    _assert_parallel_tree(spans, embeddings=False)
    for span in spans:  # the content is dropped, not recorded unredacted
        assert not {A.GEN_AI_RETRIEVAL_QUERY_TEXT, A.GEN_AI_INPUT_MESSAGES} & span.attributes.keys()


@pytest.mark.no_conformance  # garbage in: no tool name, no provider to report
def test_broken_callback_payloads_never_reach_the_app(otel, instrument) -> None:
    from otel_llm.instrumentation.langchain._hook import ACTIVE as _ACTIVE

    instrument(capture_mode="SPAN_ONLY")
    handler = _ACTIVE.handler
    run_id, parent = uuid4(), uuid4()
    handler.on_chain_start(None, object(), run_id=run_id, parent_run_id=parent, tags=5, metadata=[])
    handler.on_chain_end(object(), run_id=run_id)
    handler.on_tool_start({"name": 3}, object(), run_id=run_id, inputs="not a dict", tool_call_id=[])
    handler.on_tool_end(object(), run_id=run_id)
    handler.on_chat_model_start(None, [[object()]], run_id=run_id, metadata={"ls_provider": 7})
    handler.on_llm_end(object(), run_id=run_id)
    handler.on_llm_error(ValueError("x"), run_id=uuid4())
    handler.on_retriever_end([object()], run_id=uuid4())
    assert all(span.end_time is not None for span in otel.spans())  # nothing raised, everything ended


@pytest.mark.covers(provider="langchain", operation="embeddings", mode="sync", feature="under_agent")
def test_embeddings_beneath_an_agents_tool_and_retrieval(otel, instrument) -> None:
    """LangChain has no embeddings callback: the OpenAI SDK's embeddings span, under the step that embeds."""
    from langchain.agents import create_agent

    from tests.frameworks_server import ScriptedOpenAI

    instrument(sdk=True)  # what otel_llm.instrument() turns on: LangChain and the OpenAI SDK
    with ScriptedOpenAI({"search_notes": {"query": "Weather in Paris?"}}) as server:
        embeddings = OpenAIEmbeddings(
            model="text-embedding-3-small",
            base_url=server.base_url,
            api_key="sk-test",
            check_embedding_ctx_length=False,
        )
        store = InMemoryVectorStore(embedding=embeddings)
        store.add_texts(["Paris is sunny in June."], ids=["d1"])
        otel.reset()  # the tree of the question only
        retriever = store.as_retriever(search_kwargs={"k": 1}).with_config(run_name="city_notes")

        @tool
        def search_notes(query: str) -> str:
            """Searches the travel notes."""
            return retriever.invoke(query)[0].page_content

        llm = ChatOpenAI(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", max_retries=0)
        agent = create_agent(llm, [search_notes], name="notes_agent")
        result = agent.invoke({"messages": [("user", "Weather in Paris?")]})
        assert result["messages"][-1].content == ANSWER
        assert search_notes.invoke({"query": "Rome?"}) == "Paris is sunny in June."  # a tool on its own
    spans = otel.spans()
    assert span_tree(spans) == [
        "invoke_agent notes_agent [INTERNAL]",
        "  chat gpt-4o-mini [CLIENT]",
        "  execute_tool search_notes [INTERNAL]",
        "    retrieval city_notes [CLIENT]",
        "      embeddings text-embedding-3-small [CLIENT]",
        "  chat gpt-4o-mini [CLIENT]",
        "execute_tool search_notes [INTERNAL]",
        "  retrieval city_notes [CLIENT]",
        "    embeddings text-embedding-3-small [CLIENT]",
    ]
    first, second = by_name(spans, "embeddings text-embedding-3-small")
    for span in (first, second):
        assert span.attributes[A.GEN_AI_OPERATION_NAME] == "embeddings"
        assert span.attributes[A.GEN_AI_PROVIDER_NAME] == "openai"
        assert span.attributes[A.SERVER_ADDRESS] == "127.0.0.1"
    assert first.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == len("Weather in Paris?") // 4  # the server's
    assert second.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == 1
    assert len({s.context.trace_id for s in spans}) == 2  # the agent's run, and the tool run on its own
