"""The real DSPy ReAct agent against a scripted model on loopback: agent and tool spans over the LiteLLM
CLIENT span of each model call (DSPy calls LiteLLM), sync and async."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import dspy
from otel_llm.semconv import attributes as A
from tests.agent_trees import (
    assert_counted_once,
    assert_runs_apart,
    named,
    token_sums,
    tool_content,
    tree,
)
from tests.scripted_llm import ANSWER, MODEL, PROMPT, RESOLVED_MODEL, ScriptedLLM, Turn, say
from tests.semconv_modes import ALL_SEMCONV_MODES, assert_model_call_metrics


def step(thought: str, tool: str, tokens: tuple[int, int] = (20, 5), **arguments: str) -> Turn:
    """A ReAct step in DSPy's chat-adapter format: a thought and the tool to call next."""
    text = (
        f"[[ ## next_thought ## ]]\n{thought}\n\n[[ ## next_tool_name ## ]]\n{tool}\n\n"
        f"[[ ## next_tool_args ## ]]\n{json.dumps(arguments)}\n\n[[ ## completed ## ]]"
    )
    return say(text, *tokens)


def answer(text: str, tokens: tuple[int, int] = (30, 7)) -> Turn:
    return say(
        f"[[ ## reasoning ## ]]\nThe tool said so.\n\n[[ ## answer ## ]]\n{text}\n\n[[ ## completed ## ]]",
        *tokens,
    )


TOOL_LOOP = [
    step("I need the weather.", "get_weather", city="Paris"),
    step("I know it now.", "finish", (25, 6)),
    answer(ANSWER),
]
TOOL_TREE = [
    (0, "invoke_agent", "INTERNAL"),
    (1, f"chat {MODEL}", "CLIENT"),
    (1, "execute_tool get_weather", "INTERNAL"),
    (1, f"chat {MODEL}", "CLIENT"),
    (1, "execute_tool finish", "INTERNAL"),
    (1, f"chat {MODEL}", "CLIENT"),
]


def get_weather(city: str) -> str:
    """The weather in a city."""
    if city == "Atlantis":
        raise ValueError("no weather under the sea")
    return f"Sunny in {city}"


def make_agent(llm: ScriptedLLM, engine: str = "auto") -> tuple[dspy.ReAct, dspy.LM]:
    """``engine``: DSPy's own lm15 engine (``auto``) or LiteLLM."""
    lm = dspy.LM(
        f"openai/{MODEL}", api_base=llm.base_url, api_key="sk-test", cache=False, num_retries=0, engine=engine
    )
    return dspy.ReAct("question -> answer", tools=[get_weather], max_iters=3), lm


def run(llm: ScriptedLLM, prompt: str, mode: str, engine: str = "auto") -> str:
    agent, lm = make_agent(llm, engine)
    with dspy.context(lm=lm):
        if mode == "async":
            return asyncio.run(agent.acall(question=prompt)).answer
        return agent(question=prompt).answer


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(
    ("engine", "mode"),
    [
        pytest.param(
            engine,
            mode,
            marks=pytest.mark.covers(
                provider="dspy", operation="invoke_agent", mode=mode, feature=f"tools_{engine}"
            ),
        )
        for engine, mode in [("lm15", "sync"), ("lm15", "async"), ("litellm", "sync"), ("litellm", "async")]
    ],
)
def test_react_tree_tokens_and_cost_once(otel, instrument, engine, mode) -> None:
    instrument()
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        assert run(llm, PROMPT, mode, "auto" if engine == "lm15" else engine) == ANSWER
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE
    (tool,) = named(spans, "execute_tool get_weather")
    assert dict(tool.attributes) == {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: "get_weather",
        A.GEN_AI_TOOL_TYPE: "function",
        A.GEN_AI_TOOL_DESCRIPTION: "The weather in a city.",
    }
    models = assert_counted_once(spans, llm.requests, (75, 18))
    assert len(models) == 3 and {s.instrumentation_scope.name for s in models} == {"otel_llm"}
    assert_model_call_metrics(otel.metric_points(), spans, (75, 18))


@pytest.mark.covers(provider="dspy", operation="invoke_agent", mode="sync", feature="content")
def test_tool_arguments_and_result_with_content_capture(otel, instrument) -> None:
    instrument(capture_mode="SPAN_ONLY")
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        run(llm, PROMPT, "sync")
    assert tool_content(otel.spans(), "execute_tool get_weather") == ({"city": "Paris"}, "Sunny in Paris")


@pytest.mark.covers(provider="dspy", operation="invoke_agent", mode="sync", feature="errors")
def test_failing_tool_has_error_type_and_the_agent_goes_on(otel, instrument) -> None:
    instrument()
    prompt = "Weather in Atlantis?"
    script = [
        step("Look it up.", "get_weather", city="Atlantis"),
        step("Give up.", "finish"),
        answer("Unknown."),
    ]
    with ScriptedLLM({prompt: script}) as llm:
        assert run(llm, prompt, "sync") == "Unknown."  # DSPy shows the error to the model
    spans = otel.spans()
    (tool,) = named(spans, "execute_tool get_weather")
    assert tool.attributes[A.ERROR_TYPE] == "ValueError"
    assert [s.name for s in spans if A.ERROR_TYPE in s.attributes] == [tool.name]


@pytest.mark.covers(provider="dspy", operation="invoke_agent", mode="async", feature="concurrency")
def test_concurrent_runs_each_get_their_own_tree(otel, instrument) -> None:
    instrument()
    prompts = [f"What is the weather in city {i}?" for i in range(3)]
    scripts = {
        p: [step("Look.", "get_weather", city=f"City{i}"), step("Done.", "finish"), answer(f"Sunny {i}.")]
        for i, p in enumerate(prompts)
    }

    async def main(llm: ScriptedLLM) -> list[str]:
        agent, lm = make_agent(llm)
        with dspy.context(lm=lm):
            return [p.answer for p in await asyncio.gather(*(agent.acall(question=q) for q in prompts))]

    with ScriptedLLM(scripts) as llm:
        assert asyncio.run(main(llm)) == [f"Sunny {i}." for i in range(3)]
    assert_runs_apart(otel.spans(), "invoke_agent", TOOL_TREE, 3)


async def _streamed(agent: dspy.ReAct, lm: dspy.LM, prompt: str) -> list[Any]:
    listeners = [dspy.streaming.StreamListener(signature_field_name="answer")]
    program = dspy.streamify(agent, stream_listeners=listeners)
    with dspy.context(lm=lm):
        return [item async for item in program(question=prompt)]


def _streamed_sync(agent: dspy.ReAct, lm: dspy.LM, prompt: str) -> list[Any]:
    listeners = [dspy.streaming.StreamListener(signature_field_name="answer")]
    program = dspy.streamify(agent, stream_listeners=listeners, async_streaming=False)
    with dspy.context(lm=lm):
        return list(program(question=prompt))


def _stream_items(items: list[Any]) -> list[tuple[str, Any]]:
    """What the app reads from the stream: the answer's chunks and the final prediction."""
    return [
        (type(item).__name__, item.chunk if isinstance(item, dspy.streaming.StreamResponse) else item.answer)
        for item in items
        if not isinstance(item, dspy.streaming.StatusMessage)
    ]


@pytest.mark.parametrize(
    ("engine", "mode"),
    [
        pytest.param(
            engine,
            mode,
            marks=pytest.mark.covers(
                provider="dspy", operation="invoke_agent", mode="stream", feature=f"streamify_{engine}_{mode}"
            ),
        )
        for engine, mode in [("lm15", "async"), ("lm15", "sync"), ("litellm", "async")]
    ],
)
def test_streamify_tree_and_the_apps_stream_unchanged(otel, instrument, engine, mode) -> None:
    """``dspy.streamify``: the answer's model call streams (lm15 ``stream``, or LiteLLM ``stream=True``)."""
    expected_items = [
        ("StreamResponse", "It"),
        ("StreamResponse", " is"),
        ("StreamResponse", " sunny"),
        ("StreamResponse", " in"),
        ("StreamResponse", " Paris."),
        ("Prediction", ANSWER),
    ]
    items = {}
    for instrumented in (False, True):  # the same script, without and with otel-llm
        if instrumented:
            instrument()
        with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
            agent, lm = make_agent(llm, "auto" if engine == "lm15" else engine)
            read = (
                _streamed_sync(agent, lm, PROMPT)
                if mode == "sync"
                else asyncio.run(_streamed(agent, lm, PROMPT))
            )
            items[instrumented] = _stream_items(read)
    assert items[False] == items[True] == expected_items
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE
    models = [s for s in spans if s.kind.name == "CLIENT"]
    assert [s.attributes.get(A.GEN_AI_REQUEST_STREAM) for s in models] == [None, None, True]
    streamed = dict(models[2].attributes)
    assert streamed[A.GEN_AI_RESPONSE_ID] == "chatcmpl_0003"
    assert streamed[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert streamed[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] > 0
    assert len(models) == len(llm.requests) == 3
    if engine == "lm15":  # lm15 asks for usage in the stream and reports the served model
        assert_counted_once(spans, llm.requests, (75, 18))
        assert streamed[A.GEN_AI_RESPONSE_MODEL] == RESOLVED_MODEL
        assert (streamed[A.GEN_AI_USAGE_INPUT_TOKENS], streamed[A.GEN_AI_USAGE_OUTPUT_TOKENS]) == (30, 7)
    else:  # DSPy's LiteLLM stream asks for no usage: the streamed call has none, nothing counted twice
        assert token_sums(spans) == (45, 11)
