"""The sample app in-process, instrumented on the shared global providers: the exact telemetry it makes."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from otel_llm.demo.app import ANSWERS, SESSION_SPAN, run_session
from otel_llm.demo.report import summarize_metrics

GPT_4O_MINI = (0.15e-6, 0.60e-6)  # USD per input and output token in the bundled price table


def usd(prices: tuple[float, float], input_tokens: int, output_tokens: int) -> float:
    return input_tokens * prices[0] + output_tokens * prices[1]


def by_start(spans):
    return sorted(spans, key=lambda span: span.start_time)


def test_session_spans(otel, instrument_openai, client, fake_server):
    instrument_openai()
    result = run_session(client, trace.get_tracer("tests.demo"))

    spans = by_start(otel.spans())
    session = spans[0]
    assert [(s.name, s.kind) for s in spans] == [
        (SESSION_SPAN, SpanKind.INTERNAL),
        ("chat gpt-4o-mini", SpanKind.CLIENT),
        ("chat gpt-4o-mini", SpanKind.CLIENT),
        ("chat gpt-4o-mini", SpanKind.CLIENT),
        ("execute_tool get_weather", SpanKind.INTERNAL),
        ("chat gpt-4o-mini", SpanKind.CLIENT),
        ("embeddings text-embedding-3-small", SpanKind.CLIENT),
        ("chat gpt-4o-mini", SpanKind.CLIENT),
        ("chat gpt-unavailable", SpanKind.CLIENT),
    ]
    assert session.parent is None
    assert session.context.trace_id == result.trace_id
    assert all(s.parent.span_id == session.context.span_id for s in spans[1:])

    chat, stream, tool_ask, tool, tool_answer, embeddings, responses, failing = spans[1:]
    expected = {  # span -> (api type, finish reasons, input tokens, output tokens)
        chat: ("chat_completions", ("stop",), 37, 34),
        stream: ("chat_completions", ("stop",), 40, 34),
        tool_ask: ("chat_completions", ("tool_calls",), 36, 5),
        tool_answer: ("chat_completions", ("stop",), 119, 34),
        responses: ("responses", ("stop",), 10, 34),
    }
    for span, (api, finish, tokens_in, tokens_out) in expected.items():
        attrs = span.attributes
        assert attrs["gen_ai.provider.name"] == "openai"
        assert attrs["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
        assert attrs["openai.api.type"] == api
        assert attrs["gen_ai.response.finish_reasons"] == finish
        assert attrs["gen_ai.usage.input_tokens"] == tokens_in
        assert attrs["gen_ai.usage.output_tokens"] == tokens_out
        assert attrs["otel_llm.usage.cost_usd"] == pytest.approx(usd(GPT_4O_MINI, tokens_in, tokens_out))
        assert attrs.get("gen_ai.request.stream", False) is (span is stream)
        assert ("gen_ai.response.time_to_first_chunk" in attrs) is (span is stream)
        assert span.status.status_code is StatusCode.UNSET
    assert chat.attributes["gen_ai.request.temperature"] == 0.2
    assert chat.attributes["gen_ai.request.max_tokens"] == 200

    tool_message = fake_server.requests[3]["body"]["messages"][-1]
    assert tool_message["role"] == "tool"
    assert dict(tool.attributes) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": tool_message["tool_call_id"],
        "gen_ai.tool.type": "function",
        "gen_ai.tool.description": "Current weather of a city.",
    }
    assert tool_message["content"] == '{"city": "Paris", "temperature_c": 18, "conditions": "partly cloudy"}'

    assert embeddings.attributes["gen_ai.usage.input_tokens"] == 5
    assert embeddings.attributes["gen_ai.embeddings.dimension.count"] == 8
    assert embeddings.attributes["otel_llm.usage.cost_usd"] == pytest.approx(5 * 0.02e-6)

    assert failing.status.status_code is StatusCode.ERROR
    assert failing.attributes["error.type"] == "NotFoundError"
    assert "gen_ai.usage.input_tokens" not in failing.attributes

    assert result.outcomes == {
        "chat": ANSWERS["What is OpenTelemetry?"],
        "stream": ANSWERS["Why does time to first token matter?"],
        "tool call": ANSWERS["Weather in Paris?"],
        "embeddings": "3 vectors of 8 dimensions",
        "responses": ANSWERS["How is the cost of a call computed?"],
        "failing call": "NotFoundError: 404 model_not_found",
    }
    assert [log.event_name for log in otel.logs()] == ["gen_ai.client.operation.exception"]


def test_tool_content_is_opt_in(otel, instrument_openai, client):
    instrument_openai()
    run_session(client, trace.get_tracer("tests.demo"), capture_content=True)

    tool = next(s for s in otel.spans() if s.name == "execute_tool get_weather")
    assert tool.attributes["gen_ai.tool.call.arguments"] == '{"city": "Paris"}'
    assert tool.attributes["gen_ai.tool.call.result"] == (
        '{"city": "Paris", "temperature_c": 18, "conditions": "partly cloudy"}'
    )


def test_metrics_summary_of_a_session(otel, instrument_openai, client):
    instrument_openai()
    run_session(client, trace.get_tracer("tests.demo"))

    summaries = summarize_metrics(otel.metric_reader.get_metrics_data())
    rows = [(s.operation, s.model, s.calls, s.errors, s.input_tokens, s.output_tokens) for s in summaries]
    assert rows == [
        ("chat", "gpt-4o-mini", 5, 0, 37 + 40 + 36 + 119 + 10, 34 + 34 + 5 + 34 + 34),
        ("chat", "gpt-unavailable", 1, 1, 0, 0),
        ("embeddings", "text-embedding-3-small", 1, 0, 5, 0),
    ]
    chat, failing, embeddings = summaries
    assert chat.cost_usd == pytest.approx(usd(GPT_4O_MINI, 242, 141))
    assert embeddings.cost_usd == pytest.approx(5 * 0.02e-6)
    assert failing.cost_usd is None  # failed calls add no cost
    assert chat.ttft_p50() is not None and embeddings.ttft_p50() is None
    assert 0 < chat.p50() <= chat.p95() <= chat.durations.maximum
