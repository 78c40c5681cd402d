"""Guardrails on ``responses.create`` (sync, async, streamed): the real ``openai`` SDK against the loopback
fake, and streams the real API recorded."""

from __future__ import annotations

import asyncio

import pytest
import yaml

import openai
from otel_llm import guardrails
from otel_llm.demo.fake_server import FakeOpenAIServer
from otel_llm.guardrails import GuardrailViolation, Policy, Rule
from otel_llm.guardrails.detectors.text import BannedSubstringsDetector

from .. import guardrail_wiring as wiring
from .recorded import CASSETTES, make_client, recorded_calls, replayer

policy = wiring.policy_fixture()
SPAN = "chat gpt-4o-mini"
TOOL_RESULT = '{"owner": "Ann", "email": "ann@example.org"}'


@pytest.fixture(scope="module")
def server():
    with FakeOpenAIServer(responder=lambda body: wiring.ANSWER) as running:
        yield running


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)


def test_blocked_input_never_reaches_the_transport(otel, instrument_openai, policy, client, server):
    instrument_openai()
    sent = len(server.requests)
    with pytest.raises(GuardrailViolation) as caught:
        client.responses.create(model="gpt-4o-mini", input=wiring.INJECTION)
    assert len(server.requests) == sent
    wiring.check_blocked(otel, SPAN, caught.value, wiring.INJECTION)


def test_redacted_input_items_are_what_the_server_receives(otel, instrument_openai, policy, client, server):
    instrument_openai()
    items = [
        {"role": "developer", "content": wiring.SYSTEM},
        {"role": "user", "content": [{"type": "input_text", "text": wiring.PII_PROMPT}]},
        {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": '{"who": "Ann"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": TOOL_RESULT},
    ]
    response = client.responses.create(model="gpt-4o-mini", instructions=wiring.SYSTEM, input=items)
    body = server.requests[-1]["body"]
    assert body["instructions"] == wiring.SYSTEM  # the app's own instructions: not checked
    assert body["input"] == [
        items[0],
        {"role": "user", "content": [{"type": "input_text", "text": wiring.REDACTED_PROMPT}]},
        items[2],
        {**items[3], "output": '{"owner": "Ann", "email": "<EMAIL_ADDRESS>"}'},
    ]
    assert items[1]["content"][0]["text"] == wiring.PII_PROMPT  # the app's items are not mutated
    assert items[3]["output"] == TOOL_RESULT
    assert response.output_text == wiring.REDACTED_ANSWER
    assert response.output[0].content[0].text == wiring.REDACTED_ANSWER
    wiring.check_guarded(
        otel,
        SPAN,
        wiring.REDACTED_BOTH_WAYS,
        wiring.TOOL_RESULT_FINDINGS + wiring.OUTPUT_FINDINGS,
    )


def test_async_string_input_and_output_are_redacted(otel, instrument_openai, policy, server):
    instrument_openai()

    async def ask() -> str:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as client:
            response = await client.responses.create(model="gpt-4o-mini", input=wiring.PII_PROMPT)
        return response.output_text

    assert asyncio.run(ask()) == wiring.REDACTED_ANSWER
    assert server.requests[-1]["body"]["input"] == wiring.REDACTED_PROMPT
    wiring.check_guarded(
        otel,
        SPAN,
        wiring.REDACTED_BOTH_WAYS,
        wiring.INPUT_FINDINGS + wiring.OUTPUT_FINDINGS,
    )


# -- streams ----------------------------------------------------------------------------------------


STORY = "test_responses/test_responses_streaming{}.yaml"
TERM = "<BANNED_SUBSTRING>"
REDACTED_STORIES = {  # the recorded answers with "unicorn" and "Luna" masked
    False: f"Once upon a time, in a enchanted forest, there was a gentle {TERM} named {TERM} who loved to"
    " weave dreams into sparkling stardust. One night, she gathered all her shimmering magic to create a"
    " special dream for a little girl who believed in kindness and hope. As the girl slept peacefully, "
    f"{TERM}’s dreams floated down like glowing clouds, filling her heart with joy and wonder until morning.",
    True: f"Once upon a time, in a magical forest, there was a gentle {TERM} named {TERM} who loved to bring"
    " sparkles of happiness wherever she went. One evening, she discovered a lonely star fallen from the sky"
    f" and gently guided it back home with her shimmering horn. As {TERM} returned to her cozy meadow, she"
    " knew that kindness and courage could make even the darkest night sparkle with wonder.",
}


def _recorded_deltas(is_async: bool) -> int:
    """How many text deltas the API sent in the recorded stream."""
    cassette = yaml.safe_load((CASSETTES / STORY.format("_async" if is_async else "")).read_text())
    body = cassette["interactions"][0]["response"]["body"]["string"]
    return body.count("event: response.output_text.delta")


def _read_story(is_async: bool) -> list:
    """The recorded stream of the real API, read through the real SDK."""
    call = recorded_calls(STORY.format("_async" if is_async else ""))[0]
    if not is_async:
        with replayer.use_cassette(STORY.format("")):
            return list(make_client(call, False).responses.create(**call.body))

    async def read() -> list:
        with replayer.use_cassette(STORY.format("_async")):
            return [event async for event in await make_client(call, True).responses.create(**call.body)]

    return asyncio.run(read())


@pytest.mark.parametrize("is_async", [False, True])
def test_recorded_stream_is_redacted_in_every_event(otel, instrument_openai, is_async):
    instrument_openai()
    detector = BannedSubstringsDetector(["unicorn", "Luna"])
    with guardrails.guarded(Policy("wiring", [Rule("terms", detector, "redact", "output")])):
        events = _read_story(is_async)
    story = REDACTED_STORIES[is_async]
    by_type = {event.type: event for event in events}
    deltas = [event.delta for event in events if event.type == "response.output_text.delta"]
    assert "".join(deltas) == story
    assert not any("unicorn" in delta or "Luna" in delta for delta in deltas)
    # one inserted delta, right before the part's done event, carries the text the guard held back
    assert len(deltas) == _recorded_deltas(is_async) + 1
    assert events[events.index(by_type["response.output_text.done"]) - 1].delta == story[-len(deltas[-1]) :]
    assert by_type["response.output_text.done"].text == story
    assert by_type["response.content_part.done"].part.text == story
    assert by_type["response.output_item.done"].item.content[0].text == story
    assert by_type["response.completed"].response.output_text == story
    terms = wiring.event("terms", "output", "redact", "BANNED_SUBSTRING", "banned_substrings", 1.0)
    wiring.check_guarded(otel, "chat gpt-4.1-nano", [("output", "redact")], [terms] * 3)


def test_a_stream_without_done_events_is_redacted(otel, instrument_openai, policy, client):
    """The fake server, as some compatible servers, sends deltas and the final response only."""
    instrument_openai()
    events = list(client.responses.create(model="gpt-4o-mini", input="How do I reach Bob?", stream=True))
    deltas = [event.delta for event in events if event.type == "response.output_text.delta"]
    assert "".join(deltas) == wiring.REDACTED_ANSWER
    assert not any("bob@" in delta or "7946" in delta for delta in deltas)
    assert events[-1].response.output_text == wiring.REDACTED_ANSWER
    wiring.check_guarded(otel, SPAN, wiring.REDACTED_OUTPUT, wiring.OUTPUT_FINDINGS)


def test_a_stream_left_early_ends_its_checks(otel, instrument_openai, policy, client):
    instrument_openai()
    with client.responses.create(model="gpt-4o-mini", input="How do I reach Bob?", stream=True) as stream:
        read = [next(stream) for _ in range(3)]  # created, then two deltas: nothing released yet
    assert [event.delta for event in read[1:]] == ["", ""]
    wiring.check_guarded(otel, SPAN, [("input", "pass"), ("output", "pass")], [])
