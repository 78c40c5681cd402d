"""LangGraph and LangChain runs replayed from recorded real OpenAI responses (vcrpy cassettes)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import TypedDict

import pytest
import yaml
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph

from otel_llm.semconv import attributes as A
from tests.recorded_genai import replayer
from tests.semconv_modes import ALL_SEMCONV_MODES, assert_model_call_metrics, usage_totals
from tests.span_tree import by_name, span_tree

CASSETTES = Path(__file__).parent / "cassettes"
VCR = replayer(CASSETTES)


def _recorded_response(name: str) -> dict:
    (interaction,) = yaml.safe_load((CASSETTES / name).read_text())["interactions"]
    return json.loads(gzip.decompress(interaction["response"]["body"]["string"]))


class State(TypedDict):
    question: str
    answer: str


def _graph():
    llm = ChatOpenAI(model="gpt-4o", api_key="sk-recorded", max_retries=0)

    def calculate(state: State) -> dict:
        reply = llm.invoke([("system", "You are a mathematician."), ("user", state["question"])])
        return {"answer": reply.content}

    graph = StateGraph(State)
    graph.add_node("calculate", calculate)
    graph.add_edge(START, "calculate")
    graph.add_edge("calculate", END)
    return graph.compile(name="math")


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="langchain", operation="invoke_workflow", mode="sync", feature="recorded")
@pytest.mark.parametrize("sdk", [False, True], ids=["framework-span", "sdk-span"])
def test_recorded_langgraph_run(otel, instrument, sdk) -> None:
    instrument(sdk=sdk)
    recorded = _recorded_response("test_langgraph_metrics.yaml")
    with VCR.use_cassette("test_langgraph_metrics.yaml"):
        result = _graph().invoke({"question": "What's 5 + 5?"})
    assert result["answer"] == recorded["choices"][0]["message"]["content"]
    spans = otel.spans()
    assert span_tree(spans) == [
        "invoke_workflow math [INTERNAL]",
        "  calculate [INTERNAL]",
        "    chat gpt-4o [CLIENT]",
    ]
    (chat,) = by_name(spans, "chat gpt-4o")
    assert chat.attributes[A.GEN_AI_RESPONSE_MODEL] == recorded["model"]
    assert chat.attributes[A.GEN_AI_RESPONSE_ID] == recorded["id"]
    assert chat.attributes[A.GEN_AI_USAGE_INPUT_TOKENS] == recorded["usage"]["prompt_tokens"]
    assert chat.attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] == recorded["usage"]["completion_tokens"]
    assert chat.attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert (chat.attributes.get(A.SERVER_ADDRESS) == "api.openai.com") is sdk
    assert_model_call_metrics(otel.metric_points(), spans, usage_totals([recorded["usage"]]))


@ALL_SEMCONV_MODES
@pytest.mark.covers(provider="langchain", operation="chat", mode="stream", feature="recorded")
def test_recorded_lcel_stream(otel, instrument) -> None:
    instrument(capture_mode="SPAN_ONLY")
    prompt = ChatPromptTemplate.from_messages([("user", "write 10 lines of random text about {product}")])
    chain = prompt | ChatOpenAI(model="gpt-4", temperature=0, api_key="sk-recorded", max_retries=0)
    with VCR.use_cassette("test_stream.yaml"):
        text = "".join(chunk.content for chunk in chain.stream({"product": "$colorful socks"}))
    spans = otel.spans()
    assert span_tree(spans) == ["chat gpt-4 [CLIENT]"]  # a chain of a prompt and a model: the model call
    (chat,) = spans
    assert chat.attributes[A.GEN_AI_REQUEST_STREAM] is True
    assert chat.attributes[A.GEN_AI_REQUEST_TEMPERATURE] == 0.0
    assert chat.attributes[A.GEN_AI_RESPONSE_MODEL] == "gpt-4-0613"
    assert chat.attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert A.GEN_AI_USAGE_INPUT_TOKENS not in chat.attributes  # the recorded stream reports no usage
    (message,) = json.loads(chat.attributes[A.GEN_AI_OUTPUT_MESSAGES])
    assert message["parts"] == [{"type": "text", "content": text}]
    assert_model_call_metrics(otel.metric_points(), spans, (0, 0))
