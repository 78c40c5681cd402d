"""LlamaIndex query engines, FunctionAgent and AgentWorkflow against a scripted OpenAI server."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent
from llama_index.core.memory import Memory
from llama_index.core.retrievers import BaseRetriever
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI
from opentelemetry.trace import SpanKind, StatusCode

from otel_llm.semconv import attributes as A
from tests.frameworks_server import ANSWER
from tests.semconv_modes import ALL_SEMCONV_MODES, assert_model_call_metrics, usage_totals
from tests.span_tree import by_name, span_tree


def get_weather(city: str) -> str:
    """The current weather of a city."""
    return f"sunny in {city}"


def _llm(server) -> OpenAI:
    return OpenAI(model="gpt-4o-mini", api_base=server.base_url, api_key="sk-test", max_retries=0)


@pytest.fixture
def index(server):
    embed = OpenAIEmbedding(model="text-embedding-3-small", api_base=server.base_url, api_key="sk-test")
    return VectorStoreIndex.from_documents(
        [Document(text="Paris is sunny in June.", id_="d1")], embed_model=embed
    )


def _rag_tree(index_id: str, embeddings: bool) -> list[str]:
    return [
        "invoke_workflow RetrieverQueryEngine [INTERNAL]",
        f"  retrieval {index_id} [CLIENT]",
        *(["    embeddings text-embedding-3-small [CLIENT]"] if embeddings else []),
        "  chat gpt-4o-mini [CLIENT]",
    ]


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="llamaindex", operation="invoke_workflow", mode="sync", feature="query_engine")
@pytest.mark.covers(provider="llamaindex", operation="retrieval", mode="sync", feature="basic")
@pytest.mark.parametrize("sdk", [False, True], ids=["framework-spans", "sdk-spans"])
def test_rag_query_engine(otel, instrument, server, index, sdk) -> None:
    instrument(sdk=sdk, capture_mode="SPAN_ONLY")
    before = len(server.usages)
    response = index.as_query_engine(llm=_llm(server), similarity_top_k=1).query("Weather in Paris?")
    assert str(response) == ANSWER
    spans = otel.spans()
    # without the SDK instrumentor, the embedding call is the framework's span (no usage in LlamaIndex events)
    assert span_tree(spans) == _rag_tree(index.index_id, embeddings=True)
    (retrieval,) = by_name(spans, f"retrieval {index.index_id}")
    assert retrieval.attributes[A.GEN_AI_DATA_SOURCE_ID] == index.index_id
    assert retrieval.attributes[A.GEN_AI_REQUEST_TOP_K] == 1.0
    assert retrieval.attributes[A.GEN_AI_RETRIEVAL_QUERY_TEXT] == "Weather in Paris?"
    (document,) = json.loads(retrieval.attributes[A.GEN_AI_RETRIEVAL_DOCUMENTS])
    assert document["content"] == "Paris is sunny in June."
    assert isinstance(document["score"], float)
    (chat,) = by_name(spans, "chat gpt-4o-mini")
    (usage,) = server.usages[before:]
    assert chat.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == usage["prompt_tokens"]
    assert chat.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] == usage["completion_tokens"]
    assert chat.attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert (A.SERVER_ADDRESS in chat.attributes) is sdk  # the SDK's span when it is instrumented
    for span in spans:
        if span.kind is not SpanKind.CLIENT:
            assert A.GEN_AI_USAGE_INPUT_TOKENS not in span.attributes
    assert_model_call_metrics(otel.metric_points(), spans, usage_totals([usage]))


USAGE_KEYS = (A.GEN_AI_USAGE_INPUT_TOKENS, A.GEN_AI_USAGE_OUTPUT_TOKENS)
AGENT_TREE = [
    "invoke_agent weather [INTERNAL]",
    "  chat gpt-4o-mini [CLIENT]",
    "  execute_tool get_weather [INTERNAL]",
    "  chat gpt-4o-mini [CLIENT]",
]


def _agent(server) -> FunctionAgent:
    return FunctionAgent(
        name="weather",
        description="Answers weather questions.",
        tools=[get_weather],
        llm=_llm(server),
        system_prompt="Be brief.",
    )


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="llamaindex", operation="invoke_agent", mode="async", feature="function_agent")
@pytest.mark.covers(provider="llamaindex", operation="execute_tool", mode="async", feature="basic")
@pytest.mark.parametrize("sdk", [False, True], ids=["framework-spans", "sdk-spans"])
async def test_function_agent(otel, instrument, server, sdk) -> None:
    instrument(sdk=sdk, capture_mode="SPAN_ONLY")
    result = await _agent(server).run("Weather in Paris?", memory=Memory.from_defaults(session_id="s-1"))
    assert str(result) == ANSWER
    spans = otel.spans()
    assert span_tree(spans) == AGENT_TREE
    assert len([s for s in spans if s.kind is SpanKind.CLIENT]) == len(server.requests)
    (agent,) = by_name(spans, "invoke_agent weather")
    assert agent.attributes[A.GEN_AI_AGENT_DESCRIPTION] == "Answers weather questions."
    assert agent.attributes[A.GEN_AI_CONVERSATION_ID] == "s-1"
    assert json.loads(agent.attributes[A.GEN_AI_SYSTEM_INSTRUCTIONS]) == [
        {"type": "text", "content": "Be brief."}
    ]
    (tool,) = by_name(spans, "execute_tool get_weather")
    assert dict(tool.attributes) == {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: "get_weather",
        A.GEN_AI_TOOL_TYPE: "function",
        # LlamaIndex's own description: the signature (annotations are strings here) and the docstring
        A.GEN_AI_TOOL_DESCRIPTION: "get_weather(city: 'str') -> 'str'\nThe current weather of a city.",
        A.GEN_AI_TOOL_CALL_ID: "call_1",
        A.GEN_AI_AGENT_NAME: "weather",
        A.GEN_AI_CONVERSATION_ID: "s-1",
        A.GEN_AI_TOOL_CALL_ARGUMENTS: '{"city":"Paris"}',
        A.GEN_AI_TOOL_CALL_RESULT: "sunny in Paris",
    }
    assert {s.attributes[A.GEN_AI_CONVERSATION_ID] for s in spans} == {"s-1"}
    clients = [s for s in spans if s.kind is SpanKind.CLIENT]  # the agent streams: no usage reported
    tokens = tuple(sum(s.attributes.get(key, 0) for s in clients) for key in USAGE_KEYS)
    assert_model_call_metrics(otel.metric_points(), spans, tokens)


@pytest.mark.covers(provider="llamaindex", operation="invoke_workflow", mode="async", feature="handoff")
async def test_agent_workflow_with_a_handoff(otel, instrument, server) -> None:
    instrument()
    triage = FunctionAgent(
        name="triage", description="Routes questions.", tools=[], llm=_llm(server), can_handoff_to=["weather"]
    )
    workflow = AgentWorkflow(agents=[triage, _agent(server)], root_agent="triage")
    assert str(await workflow.run(user_msg="Weather in Paris?")) == ANSWER
    spans = otel.spans()
    assert span_tree(spans) == [
        "invoke_workflow AgentWorkflow [INTERNAL]",
        "  invoke_agent triage [INTERNAL]",
        "    chat gpt-4o-mini [CLIENT]",
        "    execute_tool handoff [INTERNAL]",
        "  invoke_agent weather [INTERNAL]",
        "    chat gpt-4o-mini [CLIENT]",
        "    execute_tool get_weather [INTERNAL]",
        "    chat gpt-4o-mini [CLIENT]",
    ]
    (handoff,) = by_name(spans, "execute_tool handoff")
    assert handoff.attributes[A.GEN_AI_AGENT_NAME] == "triage"
    (weather,) = by_name(spans, "execute_tool get_weather")
    assert weather.attributes[A.GEN_AI_AGENT_NAME] == "weather"


def _per_trace(spans) -> list[list[str]]:
    traces: dict[int, list] = {}
    for span in spans:
        traces.setdefault(span.context.trace_id, []).append(span)
    return [span_tree(group) for group in traces.values()]


@pytest.mark.covers(provider="llamaindex", operation="invoke_agent", mode="async", feature="concurrency")
async def test_two_agents_with_asyncio_gather(otel, instrument, server) -> None:
    instrument()
    agent = _agent(server)
    results = await asyncio.gather(agent.run("Weather in Paris?"), agent.run("Weather in Paris?"))
    assert [str(r) for r in results] == [ANSWER, ANSWER]
    assert _per_trace(otel.spans()) == [AGENT_TREE, AGENT_TREE]


@pytest.mark.covers(provider="llamaindex", operation="invoke_workflow", mode="sync", feature="concurrency")
def test_two_query_engines_in_threads(otel, instrument, server, index) -> None:
    instrument(sdk=True)
    engine = index.as_query_engine(llm=_llm(server), similarity_top_k=1)
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(str(engine.query("Weather in Paris?")))) for _ in "ab"
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [ANSWER, ANSWER]
    assert _per_trace(otel.spans()) == [_rag_tree(index.index_id, True)] * 2


class Outage(RuntimeError):
    pass


@pytest.mark.covers(provider="llamaindex", operation="retrieval", mode="sync", feature="errors")
def test_a_failing_retriever_reports_on_its_span_and_the_app_sees_the_exception(
    otel, instrument, server
) -> None:
    instrument()
    raised = Outage("index offline")

    class BrokenRetriever(BaseRetriever):
        def _retrieve(self, query_bundle):
            raise raised

    from llama_index.core.query_engine import RetrieverQueryEngine

    engine = RetrieverQueryEngine.from_args(BrokenRetriever(), llm=_llm(server))
    with pytest.raises(Outage) as caught:
        engine.query("Weather in Paris?")
    assert caught.value is raised
    spans = otel.spans()
    assert span_tree(spans) == [
        "invoke_workflow RetrieverQueryEngine [INTERNAL]",
        "  retrieval BrokenRetriever [CLIENT]",
    ]
    for span in spans:
        assert span.attributes[A.ERROR_TYPE] == "Outage"
        assert span.status.status_code is StatusCode.ERROR


def test_a_failing_hook_and_broken_payloads_never_reach_the_app(otel, instrument, server, index) -> None:
    def hook(name, value):
        raise RuntimeError("hook bug")

    instrument(capture_mode="SPAN_ONLY", content_hook=hook)
    from otel_llm.instrumentation.llamaindex import LlamaIndexInstrumentor

    spans_handler, events_handler = LlamaIndexInstrumentor()._handlers
    spans_handler.span_enter("X.y-" + "0" * 36, bound_args=object(), instance=object(), parent_id="nope")
    spans_handler.span_drop("X.y-" + "0" * 36, bound_args=None, err="not an exception")
    events_handler.handle(object())
    assert (
        str(index.as_query_engine(llm=_llm(server), similarity_top_k=1).query("Weather in Paris?")) == ANSWER
    )
    spans = otel.spans()
    assert span_tree(spans) == _rag_tree(index.index_id, embeddings=True)
    assert not any(A.GEN_AI_RETRIEVAL_QUERY_TEXT in s.attributes for s in spans)
