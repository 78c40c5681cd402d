"""The real OpenAI Agents SDK against a scripted model on loopback: the tree, one CLIENT span per model
call, tokens and cost once, errors on the failing span, and the app's results unchanged."""

from __future__ import annotations

import asyncio
import json

import pytest
from agents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    Runner,
    ToolGuardrailFunctionOutput,
    function_tool,
    input_guardrail,
    output_guardrail,
    tool_input_guardrail,
    tool_output_guardrail,
    trace,
)

import openai
from otel_llm.semconv import attributes as A
from tests.agent_trees import (
    assert_runs_apart,
    client_spans,
    named,
    token_sums,
    tool_content,
    tool_loop_tree,
    tree,
    under,
)
from tests.scripted_llm import ANSWER, MODEL, PROMPT, RESOLVED_MODEL, TOOL_LOOP, ScriptedLLM, Turn, call, say
from tests.semconv_modes import ALL_SEMCONV_MODES, assert_model_call_metrics

WORKFLOW = (0, "invoke_workflow Agent workflow", "INTERNAL")
TOOL_TREE = [WORKFLOW, *tool_loop_tree("invoke_agent Weather", depth=1)]


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    if city == "Atlantis":
        raise ValueError("no weather under the sea")
    return f"Sunny in {city}"


def make_agent(llm: ScriptedLLM, api: str = "responses", name: str = "Weather", **options) -> Agent:
    client = openai.AsyncOpenAI(base_url=llm.base_url, api_key="sk-test", max_retries=0)
    model_class = OpenAIResponsesModel if api == "responses" else OpenAIChatCompletionsModel
    options.setdefault("tools", [get_weather])
    return Agent(name=name, instructions="Answer briefly.", model=model_class(MODEL, client), **options)


async def _streamed(agent: Agent, prompt: str):
    result = Runner.run_streamed(agent, prompt)
    async for _ in result.stream_events():
        pass
    return result


def run(agent: Agent, prompt: str, mode: str):
    """Run as an app would: ``run_sync``, ``await Runner.run`` or a streamed run read to the end."""
    if mode == "sync":
        return Runner.run_sync(agent, prompt)
    if mode == "async":
        return asyncio.run(Runner.run(agent, prompt))
    return asyncio.run(_streamed(agent, prompt))


RUNS = [
    pytest.param(
        api,
        mode,
        marks=pytest.mark.covers(
            provider="openai_agents", operation="invoke_agent", mode=mode, feature=f"tools_{api}"
        ),
    )
    for api, mode in [
        ("responses", "sync"),
        ("responses", "async"),
        ("responses", "stream"),
        ("chat", "sync"),
        ("chat", "stream"),
    ]
]


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(("api", "mode"), RUNS)
def test_tool_loop_tree_tokens_and_cost_once(otel, instrument, api, mode) -> None:
    instrument()
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        result = run(make_agent(llm, api), PROMPT, mode)
    assert result.final_output == ANSWER
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE
    (workflow,) = named(spans, "invoke_workflow Agent workflow")
    assert dict(workflow.attributes) == {
        A.GEN_AI_OPERATION_NAME: "invoke_workflow",
        A.GEN_AI_WORKFLOW_NAME: "Agent workflow",
    }
    (agent,) = named(spans, "invoke_agent Weather")
    assert dict(agent.attributes) == {A.GEN_AI_OPERATION_NAME: "invoke_agent", A.GEN_AI_AGENT_NAME: "Weather"}
    (tool,) = named(spans, "execute_tool get_weather")
    assert dict(tool.attributes) == {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: "get_weather",
        A.GEN_AI_TOOL_TYPE: "function",
        A.GEN_AI_AGENT_NAME: "Weather",
    }
    models = client_spans(spans)
    assert len(models) == len(llm.requests) == 2  # one CLIENT span per model call
    for span, (tokens_in, tokens_out) in zip(models, [(20, 5), (30, 7)]):
        attributes = span.attributes
        assert attributes[A.GEN_AI_PROVIDER_NAME] == "openai"
        assert attributes[A.GEN_AI_REQUEST_MODEL] == MODEL
        assert attributes[A.GEN_AI_RESPONSE_MODEL] == RESOLVED_MODEL
        assert attributes[A.SERVER_PORT] == llm.port
        assert (attributes[A.GEN_AI_USAGE_INPUT_TOKENS], attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS]) == (
            tokens_in,
            tokens_out,
        )
        assert attributes.get(A.GEN_AI_REQUEST_STREAM, False) is (mode == "stream")
    assert token_sums(spans) == (50, 12)  # counted once: no agent or workflow span carries usage
    assert [s for s in spans if A.OTEL_LLM_USAGE_COST_USD in s.attributes] == models
    points = otel.metric_points()
    assert_model_call_metrics(points, spans, (50, 12))
    assert len(points["gen_ai.invoke_agent.duration"]) == 1
    assert len(points["gen_ai.execute_tool.duration"]) == 1


@pytest.mark.covers(
    provider="openai_agents", operation="invoke_agent", mode="sync", feature="no_provider_instrumentor"
)
@pytest.mark.parametrize("api", ["responses", "chat"])
def test_model_calls_from_the_sdk_when_openai_is_not_instrumented(otel, instrument, api) -> None:
    instrument(openai=False)
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        assert run(make_agent(llm, api), PROMPT, "sync").final_output == ANSWER
    spans = otel.spans()
    name = f"chat {MODEL}"
    assert [row[1] for row in tree(spans)] == [
        "invoke_workflow Agent workflow",
        "invoke_agent Weather",
        name,
        "execute_tool get_weather",
        name,
    ]
    assert len(client_spans(spans)) == 2
    assert token_sums(spans) == (50, 12)


@pytest.mark.covers(provider="openai_agents", operation="invoke_agent", mode="sync", feature="content")
def test_tool_arguments_and_result_with_content_capture(otel, instrument) -> None:
    instrument(capture_mode="SPAN_ONLY")
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        run(make_agent(llm), PROMPT, "sync")
    assert tool_content(otel.spans(), "execute_tool get_weather") == ({"city": "Paris"}, "Sunny in Paris")


@pytest.mark.covers(provider="openai_agents", operation="invoke_agent", mode="async", feature="handoffs")
def test_handoff_is_a_transfer_tool_between_agent_spans(otel, instrument) -> None:
    instrument()
    prompt = "I was charged twice"
    script = [call("transfer_to_billing", 15, 3), say("Refund issued.", 25, 4)]
    with ScriptedLLM({prompt: script}) as llm:
        billing = make_agent(llm, name="Billing", tools=[])
        triage = make_agent(llm, name="Triage", tools=[], handoffs=[billing])
        result = run(triage, prompt, "async")
    assert result.final_output == "Refund issued."
    assert result.last_agent.name == "Billing"
    spans = otel.spans()
    assert tree(spans) == [
        WORKFLOW,
        (1, "invoke_agent Triage", "INTERNAL"),
        (2, f"chat {MODEL}", "CLIENT"),
        (2, "execute_tool transfer_to_billing", "INTERNAL"),
        (1, "invoke_agent Billing", "INTERNAL"),
        (2, f"chat {MODEL}", "CLIENT"),
    ]
    (handoff,) = named(spans, "execute_tool transfer_to_billing")
    assert dict(handoff.attributes) == {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: "transfer_to_billing",
        A.GEN_AI_TOOL_TYPE: "function",
        A.GEN_AI_AGENT_NAME: "Triage",
    }
    assert token_sums(spans) == (40, 7)


@pytest.mark.covers(provider="openai_agents", operation="invoke_agent", mode="sync", feature="errors")
def test_failing_tool_has_error_type_and_the_run_goes_on(otel, instrument) -> None:
    instrument()
    prompt = "Weather in Atlantis?"
    with ScriptedLLM({prompt: [call("get_weather", city="Atlantis"), say("I could not tell.")]}) as llm:
        result = run(make_agent(llm), prompt, "sync")
    assert result.final_output == "I could not tell."  # the SDK hands the error to the model
    spans = otel.spans()
    (tool,) = named(spans, "execute_tool get_weather")
    assert tool.attributes[A.ERROR_TYPE] == "ValueError"
    assert tool.status.status_code.name == "ERROR"
    assert [s.name for s in spans if s.status.status_code.name == "ERROR"] == [tool.name]
    (point,) = otel.metric_points()["gen_ai.execute_tool.duration"]
    assert point.attributes[A.ERROR_TYPE] == "ValueError"


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(
    "mode",
    [
        pytest.param(
            m,
            marks=pytest.mark.covers(
                provider="openai_agents", operation="invoke_agent", mode=m, feature="errors"
            ),
        )
        for m in ("async", "stream")
    ],
)
def test_failing_model_call_reaches_the_app_unchanged(otel, instrument, mode) -> None:
    instrument()
    prompt = "Weather in Rome?"
    with ScriptedLLM({prompt: [Turn(status=429)]}) as llm, pytest.raises(openai.RateLimitError) as caught:
        run(make_agent(llm), prompt, mode)
    assert caught.value.status_code == 429
    spans = otel.spans()
    assert tree(spans) == [WORKFLOW, (1, "invoke_agent Weather", "INTERNAL"), (2, f"chat {MODEL}", "CLIENT")]
    assert {s.name: s.attributes.get(A.ERROR_TYPE) for s in spans} == {
        f"chat {MODEL}": "RateLimitError",
        "invoke_agent Weather": "RateLimitError",
        "invoke_workflow Agent workflow": "RateLimitError",
    }


@input_guardrail
async def no_homework(context, agent, input) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(
        output_info={"homework": True}, tripwire_triggered="homework" in str(input)
    )


@output_guardrail
async def polite(context, agent, output) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=False)


def _guardrail_spans(spans) -> dict[str, dict]:
    return {
        s.attributes[A.GEN_AI_GUARDRAIL_POLICY_ID]: dict(s.attributes)
        for s in named(spans, "apply_guardrail OpenAI Agents")
    }


@pytest.mark.covers(provider="openai_agents", operation="invoke_agent", mode="sync", feature="guardrails")
def test_guardrails_that_pass(otel, instrument) -> None:
    instrument()
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        agent = make_agent(llm, input_guardrails=[no_homework], output_guardrails=[polite])
        assert run(agent, PROMPT, "sync").final_output == ANSWER
    spans = otel.spans()
    common = {
        A.GEN_AI_OPERATION_NAME: "apply_guardrail",
        A.GEN_AI_GUARDRAIL_COMPONENT_NAME: "OpenAI Agents",
        A.GEN_AI_GUARDRAIL_RESULT_TYPE: "tripwire_triggered",
        A.GEN_AI_GUARDRAIL_RESULT_VALUE: "false",
        A.OTEL_LLM_GUARDRAIL_OUTCOME: "pass",
    }
    assert _guardrail_spans(spans) == {
        "no_homework": {
            **common,
            A.GEN_AI_GUARDRAIL_POLICY_ID: "no_homework",
            A.GEN_AI_GUARDRAIL_SOURCE: "input",
        },
        "polite": {**common, A.GEN_AI_GUARDRAIL_POLICY_ID: "polite", A.GEN_AI_GUARDRAIL_SOURCE: "output"},
    }
    (agent_span,) = named(spans, "invoke_agent Weather")
    assert all(under(s, agent_span, spans) for s in named(spans, "apply_guardrail OpenAI Agents"))
    checks = otel.metric_points()["otel_llm.guardrail.checks"]
    assert sorted(
        (p.attributes[A.GEN_AI_GUARDRAIL_SOURCE], p.attributes[A.OTEL_LLM_GUARDRAIL_OUTCOME], p.value)
        for p in checks
    ) == [
        ("input", "pass", 1),
        ("output", "pass", 1),
    ]
    assert not [r for r in otel.logs() if r.event_name == "gen_ai.guardrail.result"]


@pytest.mark.covers(provider="openai_agents", operation="invoke_agent", mode="async", feature="guardrails")
def test_tripped_guardrail_blocks_and_the_app_sees_the_sdk_exception(otel, instrument) -> None:
    instrument()
    prompt = "Do my homework please"
    with (
        ScriptedLLM({prompt: [say("Here it is.")]}) as llm,
        pytest.raises(InputGuardrailTripwireTriggered) as caught,
    ):
        run(make_agent(llm, input_guardrails=[no_homework]), prompt, "async")
    assert caught.value.guardrail_result.output.output_info == {"homework": True}
    spans = otel.spans()
    (check,) = named(spans, "apply_guardrail OpenAI Agents")
    assert check.attributes[A.GEN_AI_GUARDRAIL_RESULT_VALUE] == "true"
    assert check.attributes[A.OTEL_LLM_GUARDRAIL_OUTCOME] == "block"
    (agent_span,) = named(spans, "invoke_agent Weather")
    assert agent_span.attributes[A.ERROR_TYPE] == "InputGuardrailTripwireTriggered"
    (event,) = [r for r in otel.logs() if r.event_name == "gen_ai.guardrail.result"]
    assert dict(event.attributes) == {
        A.GEN_AI_GUARDRAIL_COMPONENT_NAME: "OpenAI Agents",
        A.GEN_AI_GUARDRAIL_POLICY_ID: "no_homework",
        A.GEN_AI_GUARDRAIL_SOURCE: "input",
        A.GEN_AI_GUARDRAIL_RESULT_TYPE: "tripwire_triggered",
        A.GEN_AI_GUARDRAIL_RESULT_VALUE: "true",
    }
    assert event.span_id == check.context.span_id


@pytest.mark.covers(provider="openai_agents", operation="invoke_agent", mode="async", feature="concurrency")
def test_concurrent_runs_each_get_their_own_tree(otel, instrument) -> None:
    instrument()
    prompts = [f"What is the weather in city {i}?" for i in range(4)]
    scripts = {p: [call("get_weather", city=f"City{i}"), say(f"Sunny {i}.")] for i, p in enumerate(prompts)}

    async def main(llm: ScriptedLLM):
        return await asyncio.gather(*(Runner.run(make_agent(llm), p) for p in prompts))

    with ScriptedLLM(scripts) as llm:
        results = asyncio.run(main(llm))
    assert [r.final_output for r in results] == [f"Sunny {i}." for i in range(4)]
    spans = otel.spans()
    assert tree(spans) == TOOL_TREE * 4
    assert_runs_apart(spans, "invoke_workflow Agent workflow", TOOL_TREE, 4)


@pytest.mark.covers(
    provider="openai_agents", operation="invoke_agent", mode="sync", feature="sdk_export_kept"
)
def test_the_apps_own_processors_keep_receiving_the_sdk_spans(otel, instrument, app_processor) -> None:
    instrument()
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm, trace("Forecast", group_id="conv-42"):
        run(make_agent(llm), PROMPT, "async")
    sdk_types = [type(s.span_data).__name__ for s in app_processor.ended if hasattr(s, "span_data")]
    assert sdk_types.count("FunctionSpanData") == 1 and sdk_types.count("ResponseSpanData") == 2
    spans = otel.spans()
    (workflow,) = named(spans, "invoke_workflow Forecast")
    assert workflow.attributes[A.GEN_AI_CONVERSATION_ID] == "conv-42"
    assert all(s.context.trace_id == workflow.context.trace_id for s in spans)


def test_uninstrumented_records_nothing(otel, instrument) -> None:
    from otel_llm.instrumentation.openai import OpenAIInstrumentor
    from otel_llm.instrumentation.openai_agents import OpenAIAgentsInstrumentor

    instrument()
    OpenAIAgentsInstrumentor().uninstrument()
    OpenAIInstrumentor().uninstrument()
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        assert run(make_agent(llm), PROMPT, "sync").final_output == ANSWER
    assert otel.spans() == []


@tool_input_guardrail
def no_atlantis(data) -> ToolGuardrailFunctionOutput:
    if "Atlantis" in data.context.tool_arguments:
        return ToolGuardrailFunctionOutput.reject_content("Atlantis is off limits.")
    return ToolGuardrailFunctionOutput.allow()


@tool_output_guardrail
def short_output(data) -> ToolGuardrailFunctionOutput:
    return ToolGuardrailFunctionOutput.allow()


@function_tool(tool_input_guardrails=[no_atlantis], tool_output_guardrails=[short_output])
def guarded_weather(city: str) -> str:
    """The weather in a city, for allowed cities."""
    return f"Sunny in {city}"


@pytest.mark.covers(
    provider="openai_agents", operation="invoke_agent", mode="async", feature="tool_guardrails"
)
def test_tool_guardrails_allow_and_reject(otel, instrument) -> None:
    instrument()
    prompts = {"Weather in Paris?": "Paris", "Weather in Atlantis?": "Atlantis"}
    scripts = {p: [call("guarded_weather", city=c), say("Done.")] for p, c in prompts.items()}
    with ScriptedLLM(scripts) as llm:
        for prompt in prompts:
            assert run(make_agent(llm, tools=[guarded_weather]), prompt, "async").final_output == "Done."
        rejected = json.dumps(llm.requests[-1]["body"]["input"])
    assert "Atlantis is off limits." in rejected  # the model got the guardrail's message, not the result
    spans = otel.spans()
    checks = named(spans, "apply_guardrail OpenAI Agents")
    results = sorted(
        (
            s.attributes[A.GEN_AI_GUARDRAIL_POLICY_ID],
            s.attributes[A.GEN_AI_GUARDRAIL_SOURCE],
            s.attributes[A.GEN_AI_GUARDRAIL_RESULT_TYPE],
            s.attributes[A.GEN_AI_GUARDRAIL_RESULT_VALUE],
            s.attributes[A.OTEL_LLM_GUARDRAIL_OUTCOME],
        )
        for s in checks
    )
    assert results == [
        ("no_atlantis", "tool_input", "behavior", "allow", "pass"),
        ("no_atlantis", "tool_input", "behavior", "reject_content", "block"),
        ("short_output", "tool_output", "behavior", "allow", "pass"),
    ]
    tools = named(spans, "execute_tool guarded_weather")
    assert all(any(under(c, t, spans) for t in tools) for c in checks)
    (event,) = [r for r in otel.logs() if r.event_name == "gen_ai.guardrail.result"]
    assert event.attributes[A.GEN_AI_GUARDRAIL_RESULT_VALUE] == "reject_content"


def test_a_failure_of_ours_never_reaches_the_app(otel, instrument, monkeypatch) -> None:
    from otel_llm.instrumentation.openai_agents import _processor

    def broken(*args, **kwargs):
        raise RuntimeError("instrumentation bug")

    instrument()
    monkeypatch.setattr(_processor, "start_operation", broken)
    with ScriptedLLM({PROMPT: TOOL_LOOP}) as llm:
        assert run(make_agent(llm), PROMPT, "sync").final_output == ANSWER
    assert [s.kind.name for s in otel.spans()] == ["CLIENT", "CLIENT"]  # the OpenAI instrumentor's still
