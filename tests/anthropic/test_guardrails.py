"""Guardrails on real ``anthropic`` SDK calls: ``messages.create`` (whole and streamed) and the
``messages.stream(...)`` helper, sync and async, against a loopback Messages API server that records
each request and answers with PII split across stream events, then a tool call."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import anthropic
from otel_llm import guardrails
from otel_llm.guardrails import GuardrailViolation, Policy, Rule
from otel_llm.guardrails.detectors.pii import PIIDetector

from .. import guardrail_wiring as wiring
from ..wire_server import Reply

MODEL = "claude-test-model"
SPAN = f"chat {MODEL}"
TOOL = {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"name": "Bob"}}
USAGE = {"input_tokens": 12, "output_tokens": 20}
policy = wiring.policy_fixture()


def _events() -> list[dict[str, Any]]:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": MODEL, "content": []}
    return [
        {"type": "message_start", "message": {**message, "stop_reason": None, "usage": USAGE}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        *(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
            for piece in wiring.ANSWER_PIECES
        ),
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {**TOOL, "input": {}}},
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": json.dumps(TOOL["input"])},
        },
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 20}},
        {"type": "message_stop"},
    ]


def route(method: str, path: str, body: Any) -> Reply:
    if body.get("stream"):
        frames = [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in _events()]
        return Reply(frames=frames, content_type="text/event-stream")
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": MODEL, "usage": USAGE}
    content = [{"type": "text", "text": wiring.ANSWER}, TOOL]
    return Reply(json_body={**message, "content": content, "stop_reason": "tool_use"})


server = wiring.wire_server_fixture(route)


@pytest.fixture
def clients(server, instrument_anthropic):
    instrument_anthropic()
    options = {"base_url": server.base_url, "api_key": "sk-ant-test", "max_retries": 0}
    return anthropic.Anthropic(**options), anthropic.AsyncAnthropic(**options)


def _ask(text: str) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 64, "messages": [{"role": "user", "content": text}]}


@pytest.mark.parametrize("helper", [False, True])
def test_blocked_input_never_reaches_the_server(server, clients, policy, otel, helper):
    sent = len(server.requests)
    with pytest.raises(GuardrailViolation) as caught:
        if helper:
            with clients[0].messages.stream(**_ask(wiring.INJECTION)) as stream:
                stream.until_done()
        else:
            clients[0].messages.create(**_ask(wiring.INJECTION))
    assert len(server.requests) == sent
    wiring.check_blocked(otel, SPAN, caught.value, wiring.INJECTION)


def test_redacted_input_is_what_the_server_receives(server, clients, policy, otel):
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "Hello"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Mail me at me@example.net"}, TOOL]},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Bob: bob@example.com"},
                {"type": "text", "text": wiring.PII_PROMPT},
            ],
        },
    ]
    response = clients[0].messages.create(model=MODEL, max_tokens=64, system=wiring.SYSTEM, messages=messages)
    body = server.requests[-1]["body"]
    assert body["system"] == wiring.SYSTEM
    assert body["messages"] == [
        messages[0],
        messages[1],
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Bob: <EMAIL_ADDRESS>"},
                {"type": "text", "text": wiring.REDACTED_PROMPT},
            ],
        },
    ]
    assert messages[2]["content"][1]["text"] == wiring.PII_PROMPT  # the app's own objects are not mutated
    assert [block.type for block in response.content] == ["text", "tool_use"]
    assert response.content[0].text == wiring.REDACTED_ANSWER
    findings = [wiring.INPUT_FINDINGS[0], *wiring.INPUT_FINDINGS, *wiring.OUTPUT_FINDINGS]
    wiring.check_guarded(otel, SPAN, [("input", "redact"), ("output", "redact")], findings)


def test_async_output_is_redacted(clients, policy, otel):
    response = asyncio.run(clients[1].messages.create(**_ask("How do I reach Bob?")))
    assert response.content[0].text == wiring.REDACTED_ANSWER
    wiring.check_guarded(otel, SPAN, [("input", "pass"), ("output", "redact")], wiring.OUTPUT_FINDINGS)


def _text_deltas(events: list[Any]) -> list[str]:
    return [e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta"]


def _check_stream(pieces: list[str], otel) -> None:
    wiring.check_streamed(otel, SPAN, pieces)
    [call] = [s for s in otel.spans() if s.name == SPAN]
    assert call.attributes["gen_ai.response.finish_reasons"] == ("tool_use",)


def test_create_stream_is_redacted_across_events(clients, policy, otel):
    events = list(clients[0].messages.create(**_ask("How do I reach Bob?"), stream=True))
    # the held-back tail comes in a text delta inserted right before the text block's stop event
    assert [e.type for e in events[-7:-4]] == [
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
    ]
    assert len(events) == len(_events()) + 1
    _check_stream(_text_deltas(events), otel)


def test_async_create_stream_is_redacted_across_events(clients, policy, otel):
    async def read() -> list[Any]:
        stream = await clients[1].messages.create(**_ask("How do I reach Bob?"), stream=True)
        return [event async for event in stream]

    _check_stream(_text_deltas(asyncio.run(read())), otel)


def test_stream_helper_redacts_input_and_output(server, clients, policy, otel):
    with clients[0].messages.stream(**_ask(wiring.PII_PROMPT)) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert server.requests[-1]["body"]["messages"] == [{"role": "user", "content": wiring.REDACTED_PROMPT}]
    assert "".join(pieces) == wiring.REDACTED_ANSWER
    assert [block.type for block in final.content] == ["text", "tool_use"]
    assert final.content[0].text == wiring.REDACTED_ANSWER and final.content[1].input == TOOL["input"]
    wiring.check_guarded(
        otel,
        SPAN,
        [("input", "redact"), ("output", "redact")],
        [*wiring.INPUT_FINDINGS, *wiring.OUTPUT_FINDINGS],
    )


def test_async_stream_helper_redacts_output(clients, policy, otel):
    async def read() -> tuple[list[str], str]:
        async with clients[1].messages.stream(**_ask("How do I reach Bob?")) as stream:
            pieces = [text async for text in stream.text_stream]
            return pieces, (await stream.get_final_message()).content[0].text

    pieces, final = asyncio.run(read())
    assert final == wiring.REDACTED_ANSWER
    _check_stream(pieces, otel)


def test_without_a_policy_streams_are_untouched(clients, otel):
    events = list(clients[0].messages.create(**_ask(wiring.PII_PROMPT), stream=True))
    assert len(events) == len(_events())
    assert "".join(_text_deltas(events)) == wiring.ANSWER
    wiring.check_guarded(otel, SPAN, [], [])


def test_scoped_policy_guards_an_async_stream(server, clients, otel):
    async def read() -> list[Any]:
        with guardrails.guarded(Policy("scoped", [Rule("pii", PIIDetector(), "redact", "output")])):
            stream = await clients[1].messages.create(**_ask(wiring.PII_PROMPT), stream=True)
            return [event async for event in stream]

    events = asyncio.run(read())
    assert len(events) == len(_events()) + 1
    assert "".join(_text_deltas(events)) == wiring.REDACTED_ANSWER
    assert server.requests[-1]["body"]["messages"] == [{"role": "user", "content": wiring.PII_PROMPT}]
