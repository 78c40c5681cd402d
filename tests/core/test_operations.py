"""Agent, workflow, tool and retrieval operations of the core (otel_llm.telemetry.operations)."""

from __future__ import annotations

import contextvars
import json
import logging

import pytest
from opentelemetry import context, trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind, StatusCode

import otel_llm
from otel_llm.config import load_settings
from otel_llm.semconv import attributes as A
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import OperationKind, activate, deactivate, start_operation


def _telemetry(**settings) -> GenAITelemetry:
    return GenAITelemetry(load_settings(env={}, **settings))


def _points(otel, name: str) -> list:
    return otel.metric_points().get(name, [])


def test_tool_span_attributes_parent_and_duration_metric(otel) -> None:
    telemetry = _telemetry()
    agent = start_operation(telemetry, OperationKind.INVOKE_AGENT, "planner")
    tool = start_operation(
        telemetry,
        OperationKind.EXECUTE_TOOL,
        "get_weather",
        parent=agent.context(),
        attributes={
            A.GEN_AI_TOOL_CALL_ID: "call_1",
            A.GEN_AI_TOOL_TYPE: "function",
            A.GEN_AI_AGENT_NAME: None,  # None values are left out
        },
    )
    assert tool.capture is False
    tool.content[A.GEN_AI_TOOL_CALL_ARGUMENTS] = {"city": "Paris"}  # not recorded: capture is off
    tool.end()
    agent.end()
    tool_span, agent_span = otel.spans()
    assert (tool_span.name, tool_span.kind) == ("execute_tool get_weather", SpanKind.INTERNAL)
    assert dict(tool_span.attributes) == {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: "get_weather",
        A.GEN_AI_TOOL_CALL_ID: "call_1",
        A.GEN_AI_TOOL_TYPE: "function",
    }
    assert tool_span.parent.span_id == agent_span.context.span_id
    assert tool_span.status.status_code is StatusCode.UNSET
    (point,) = _points(otel, "gen_ai.execute_tool.duration")
    assert dict(point.attributes) == {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: "get_weather",
        A.GEN_AI_TOOL_TYPE: "function",
    }
    assert point.count == 1
    assert 0 <= point.sum <= (tool_span.end_time - tool_span.start_time) / 1e9 + 0.01


def test_agent_span_and_metric(otel) -> None:
    telemetry = _telemetry()
    agent = start_operation(
        telemetry,
        OperationKind.INVOKE_AGENT,
        "planner",
        attributes={A.GEN_AI_AGENT_ID: "a-1", A.GEN_AI_AGENT_DESCRIPTION: "plans trips"},
    )
    agent.attributes[A.GEN_AI_REQUEST_MODEL] = "gpt-4o-mini"
    agent.attributes[A.GEN_AI_PROVIDER_NAME] = "openai"
    agent.end()
    (span,) = otel.spans()
    assert (span.name, span.kind) == ("invoke_agent planner", SpanKind.INTERNAL)
    assert dict(span.attributes) == {
        A.GEN_AI_OPERATION_NAME: "invoke_agent",
        A.GEN_AI_AGENT_NAME: "planner",
        A.GEN_AI_AGENT_ID: "a-1",
        A.GEN_AI_AGENT_DESCRIPTION: "plans trips",
        A.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
        A.GEN_AI_PROVIDER_NAME: "openai",
    }
    (point,) = _points(otel, "gen_ai.invoke_agent.duration")
    assert dict(point.attributes) == {
        A.GEN_AI_OPERATION_NAME: "invoke_agent",
        A.GEN_AI_AGENT_NAME: "planner",
        A.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
        A.GEN_AI_PROVIDER_NAME: "openai",
    }


def test_unnamed_operations_are_named_by_the_operation(otel) -> None:
    start_operation(_telemetry(), OperationKind.INVOKE_AGENT).end()
    start_operation(_telemetry(), OperationKind.RETRIEVAL).end()
    assert [s.name for s in otel.spans()] == ["invoke_agent", "retrieval"]


def test_workflow_and_retrieval(otel) -> None:
    telemetry = _telemetry()
    workflow = start_operation(telemetry, OperationKind.INVOKE_WORKFLOW, "support_graph")
    retrieval = start_operation(
        telemetry,
        OperationKind.RETRIEVAL,
        "faq_index",
        parent=workflow.context(),
        attributes={A.GEN_AI_REQUEST_TOP_K: 2.0},
    )
    retrieval.end()
    workflow.end()
    retrieval_span, workflow_span = otel.spans()
    assert (workflow_span.name, workflow_span.kind) == ("invoke_workflow support_graph", SpanKind.INTERNAL)
    assert (retrieval_span.name, retrieval_span.kind) == ("retrieval faq_index", SpanKind.CLIENT)
    assert dict(retrieval_span.attributes) == {
        A.GEN_AI_OPERATION_NAME: "retrieval",
        A.GEN_AI_DATA_SOURCE_ID: "faq_index",
        A.GEN_AI_REQUEST_TOP_K: 2.0,
    }
    assert retrieval_span.parent.span_id == workflow_span.context.span_id
    (point,) = _points(otel, "gen_ai.workflow.duration")
    assert dict(point.attributes) == {A.GEN_AI_WORKFLOW_NAME: "support_graph"}
    assert "gen_ai.client.operation.duration" not in otel.metric_points()  # retrieval has no metric


def test_failure_sets_error_type_and_status_and_ends_once(otel) -> None:
    tool = start_operation(_telemetry(), OperationKind.EXECUTE_TOOL, "divide")
    tool.fail(ZeroDivisionError("division by zero"))
    tool.end()  # a later end or fail does nothing
    tool.fail(ValueError("again"))
    assert tool.ended
    (span,) = otel.spans()
    assert span.attributes[A.ERROR_TYPE] == "ZeroDivisionError"
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "division by zero"
    (point,) = _points(otel, "gen_ai.execute_tool.duration")
    assert point.attributes[A.ERROR_TYPE] == "ZeroDivisionError"
    assert point.count == 1


def test_tool_content_is_recorded_on_the_span_when_captured(otel) -> None:
    tool = start_operation(_telemetry(capture_mode="SPAN_ONLY"), OperationKind.EXECUTE_TOOL, "get_weather")
    assert tool.capture
    tool.content[A.GEN_AI_TOOL_CALL_ARGUMENTS] = {"city": "Paris"}
    tool.content[A.GEN_AI_TOOL_CALL_RESULT] = "sunny, 21°C"
    tool.end()
    (span,) = otel.spans()
    assert json.loads(span.attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS]) == {"city": "Paris"}
    assert span.attributes[A.GEN_AI_TOOL_CALL_RESULT] == "sunny, 21°C"  # text stays text


def test_agent_instructions_and_retrieved_documents_go_through_hook_and_limit(otel) -> None:
    seen = []

    def hook(name, value):
        seen.append(name)
        if name == A.GEN_AI_RETRIEVAL_QUERY_TEXT:
            raise RuntimeError("hook bug")  # this content is dropped, never recorded unredacted
        if name == A.GEN_AI_SYSTEM_INSTRUCTIONS:
            return [{"type": "text", "content": "[redacted]"}]
        return value

    telemetry = _telemetry(capture_mode="SPAN_AND_EVENT", content_hook=hook, content_max_length=200)
    agent = start_operation(telemetry, OperationKind.INVOKE_AGENT, "planner")
    agent.content[A.GEN_AI_SYSTEM_INSTRUCTIONS] = [{"type": "text", "content": "You plan trips."}]
    agent.end()
    retrieval = start_operation(telemetry, OperationKind.RETRIEVAL, "faq")
    retrieval.content[A.GEN_AI_RETRIEVAL_QUERY_TEXT] = "secret question"
    retrieval.content[A.GEN_AI_RETRIEVAL_DOCUMENTS] = [
        {"id": "d1", "score": 0.9, "content": "x" * 1000},
        {"id": "d2", "score": 0.5, "content": "short"},
    ]
    retrieval.end()
    agent_span, retrieval_span = otel.spans()
    assert json.loads(agent_span.attributes[A.GEN_AI_SYSTEM_INSTRUCTIONS]) == [
        {"type": "text", "content": "[redacted]"}
    ]
    assert A.GEN_AI_RETRIEVAL_QUERY_TEXT not in retrieval_span.attributes
    documents = retrieval_span.attributes[A.GEN_AI_RETRIEVAL_DOCUMENTS]
    assert len(documents) <= 200
    assert [(d["id"], d["score"]) for d in json.loads(documents)] == [("d1", 0.9), ("d2", 0.5)]
    assert seen == [A.GEN_AI_SYSTEM_INSTRUCTIONS, A.GEN_AI_RETRIEVAL_QUERY_TEXT, A.GEN_AI_RETRIEVAL_DOCUMENTS]


def test_event_only_mode_puts_no_operation_content_on_spans(otel) -> None:
    tool = start_operation(_telemetry(capture_mode="EVENT_ONLY"), OperationKind.EXECUTE_TOOL, "t")
    tool.content[A.GEN_AI_TOOL_CALL_ARGUMENTS] = {"a": 1}
    tool.end()
    (span,) = otel.spans()
    assert A.GEN_AI_TOOL_CALL_ARGUMENTS not in span.attributes
    assert otel.logs() == []


def test_conversation_applies_to_operations_children_and_model_calls(otel, fake_server) -> None:
    import openai
    from otel_llm.instrumentation.openai import OpenAIInstrumentor

    telemetry = _telemetry()
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(telemetry=telemetry)
    try:
        client = openai.OpenAI(base_url=fake_server.base_url, api_key="sk-test")
        with otel_llm.conversation("conv-1"):
            agent = start_operation(telemetry, OperationKind.INVOKE_AGENT, "planner")
        token = activate(agent.context())  # the app's conversation scope has ended: the agent keeps it
        try:
            client.embeddings.create(model="text-embedding-3-small", input="hello")
        finally:
            deactivate(token)
        thread = start_operation(
            telemetry, OperationKind.INVOKE_WORKFLOW, "graph", parent=agent.context(), conversation_id="t-9"
        )
        tool = start_operation(telemetry, OperationKind.EXECUTE_TOOL, "t", parent=thread.context())
        for op in (tool, thread, agent):
            op.end()
    finally:
        instrumentor.uninstrument()
    spans = {s.name: s for s in otel.spans()}
    assert spans["invoke_agent planner"].attributes[A.GEN_AI_CONVERSATION_ID] == "conv-1"
    embeddings = spans["embeddings text-embedding-3-small"]
    assert embeddings.attributes[A.GEN_AI_CONVERSATION_ID] == "conv-1"
    assert embeddings.parent.span_id == spans["invoke_agent planner"].context.span_id
    assert spans["invoke_workflow graph"].attributes[A.GEN_AI_CONVERSATION_ID] == "t-9"
    assert spans["execute_tool t"].attributes[A.GEN_AI_CONVERSATION_ID] == "t-9"
    assert otel_llm.telemetry.conversation.current_conversation_id() is None


def test_suppressed_inside_a_model_call_or_suppress_instrumentation(otel) -> None:
    telemetry = _telemetry()
    invocation = telemetry.start("chat", "openai", "gpt-4o-mini")
    token = context.attach(invocation.call_context())
    try:
        assert start_operation(telemetry, OperationKind.EXECUTE_TOOL, "t") is None
    finally:
        context.detach(token)
    invocation.end()
    with suppress_instrumentation():
        assert start_operation(telemetry, OperationKind.EXECUTE_TOOL, "t") is None
    assert [s.name for s in otel.spans()] == ["chat gpt-4o-mini"]


def test_our_failures_never_reach_the_caller(otel, caplog) -> None:
    telemetry = _telemetry()

    class BrokenTracer:
        def start_span(self, *args, **kwargs):
            raise RuntimeError("tracer bug")

    broken = _telemetry()
    broken.tracer = BrokenTracer()
    with caplog.at_level(logging.ERROR):
        assert start_operation(broken, OperationKind.INVOKE_AGENT, "a") is None
    assert "failed to start a invoke_agent operation" in caplog.text

    tool = start_operation(telemetry, OperationKind.EXECUTE_TOOL, "t")
    tool.telemetry = type("T", (), {"settings": None, "instruments": None, "capture": True})()
    tool.content[A.GEN_AI_TOOL_CALL_ARGUMENTS] = {"a": 1}
    tool.end()  # recording fails: logged, and the span still ends
    (span,) = otel.spans()
    assert span.end_time is not None
    assert "failed to record a GenAI operation" in caplog.text


def test_deactivate_is_silent_for_a_token_from_another_context(otel, caplog) -> None:
    op = start_operation(_telemetry(), OperationKind.INVOKE_WORKFLOW, "w")
    token = contextvars.copy_context().run(activate, op.context())
    with caplog.at_level(logging.WARNING):
        deactivate(token)  # created in another context: nothing to restore here
    assert caplog.text == ""
    assert trace.get_current_span() is trace.INVALID_SPAN
    token = activate(op.context())
    assert trace.get_current_span() is op.span
    deactivate(token)
    assert trace.get_current_span() is trace.INVALID_SPAN
    op.end()


def test_workflow_node_is_a_plain_internal_span_named_by_the_node(otel) -> None:
    telemetry = _telemetry()
    workflow = start_operation(telemetry, OperationKind.INVOKE_WORKFLOW, "graph", conversation_id="t-1")
    node = start_operation(
        telemetry,
        OperationKind.WORKFLOW_NODE,
        "retrieve",
        parent=workflow.context(),
        attributes={A.OTEL_LLM_WORKFLOW_NODE_STEP: 2},
    )
    node.fail(KeyError("doc"))
    workflow.end()
    node_span, _ = otel.spans()
    assert (node_span.name, node_span.kind) == ("retrieve", SpanKind.INTERNAL)
    assert dict(node_span.attributes) == {
        A.OTEL_LLM_WORKFLOW_NODE_NAME: "retrieve",
        A.OTEL_LLM_WORKFLOW_NODE_STEP: 2,
        A.GEN_AI_CONVERSATION_ID: "t-1",
        A.ERROR_TYPE: "KeyError",
    }
    recorded = otel.metric_points()
    assert len(recorded["gen_ai.workflow.duration"]) == 1  # the node itself records no metric
    assert not {"gen_ai.invoke_agent.duration", "gen_ai.execute_tool.duration"} & recorded.keys()


def test_start_time_of_a_step_recognized_late(otel) -> None:
    from time import time_ns

    began = time_ns() - 2_000_000_000
    start_operation(_telemetry(), OperationKind.INVOKE_WORKFLOW, "graph", start_time=began).end()
    (span,) = otel.spans()
    assert span.start_time == began
    (point,) = _points(otel, "gen_ai.workflow.duration")
    assert 2.0 <= point.sum < 3.0


@pytest.mark.parametrize("kind", [k for k in OperationKind if k is not OperationKind.WORKFLOW_NODE])
def test_every_kind_has_the_conventional_kind(otel, kind) -> None:
    start_operation(_telemetry(), kind, "x").end()
    (span,) = otel.spans()
    assert span.kind is (SpanKind.CLIENT if kind is OperationKind.RETRIEVAL else SpanKind.INTERNAL)
    assert span.name == f"{kind.value} x"
