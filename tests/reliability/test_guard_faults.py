"""Guardrails never crash the app: stream chunks the SDK accepts pass a policy whatever their shape (#7).

Each stream is read with the bare SDK first, then instrumented under a redacting policy: the app must get
the same chunks (and no exception) both times.
"""

from __future__ import annotations

import pytest

import openai
from otel_llm import guardrails
from otel_llm.guardrails import Detector, GuardrailViolation, Match, Policy, Rule
from otel_llm.instrumentation.openai import OpenAIInstrumentor

from ..wire_server import WireServer, sse

CHAT_HEAD = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini"}


def chat_chunk(**choice) -> dict:
    return {**CHAT_HEAD, "choices": [{"index": 0, **choice}]}


def response_event(kind: str, **fields) -> dict:
    return {"type": kind, "sequence_number": 1, **fields}


CHAT_STREAMS = {
    "final chunk without delta": [chat_chunk(delta={"content": "Hi"}), chat_chunk(finish_reason="stop")],
    "non-string delta": [
        chat_chunk(delta={"content": 42}),
        chat_chunk(delta={"content": ["a"]}, finish_reason="stop"),
    ],
    "choice without index": [
        {**CHAT_HEAD, "choices": [{"delta": {"content": "Hi"}, "finish_reason": "stop"}]}
    ],
    "choices null": [
        {**CHAT_HEAD, "choices": None},
        chat_chunk(delta={"content": "ok"}, finish_reason="stop"),
    ],
}
RESPONSE_STREAMS = {
    "delta without output_index": [
        response_event("response.output_text.delta", item_id="m", content_index=0, delta="Hi"),
    ],
    "delta without content_index, non-string delta": [
        response_event("response.output_text.delta", item_id="m", output_index=0, delta=7),
    ],
}


def serve(events: list) -> WireServer:
    return WireServer(lambda method, path, body: sse(events, done=True))


def text(value) -> str:
    return value if isinstance(value, str) else ""


def read_chat(url: str) -> tuple[int, str]:
    """The chunks the app reads (their count) and the text they add up to."""
    client = openai.OpenAI(base_url=url, api_key="sk-test", max_retries=0)
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    chunks = list(stream)
    deltas = [c.delta for chunk in chunks for c in chunk.choices or () if getattr(c, "delta", None)]
    return len(chunks), "".join(text(delta.content) for delta in deltas)


def read_responses(url: str) -> tuple[int, str]:
    client = openai.OpenAI(base_url=url, api_key="sk-test", max_retries=0)
    events = list(client.responses.create(model="gpt-4o-mini", input="hi", stream=True))
    return len(events), "".join(text(getattr(event, "delta", None)) for event in events)


@pytest.mark.parametrize(
    ("events", "read"),
    [
        *((e, read_chat) for e in CHAT_STREAMS.values()),
        *((e, read_responses) for e in RESPONSE_STREAMS.values()),
    ],
    ids=[*CHAT_STREAMS, *RESPONSE_STREAMS],
)
def test_odd_chunks_pass_a_guardrail_policy_unchanged(otel, redacting_policy, events, read):
    with serve(events) as server:
        bare = read(server.base_url)
        instrumentor = OpenAIInstrumentor()
        instrumentor.instrument()
        try:
            guarded = read(server.base_url)
        finally:
            instrumentor.uninstrument()
    assert guarded == bare
    assert len([s for s in otel.spans() if s.name.startswith(("chat", "responses"))]) == 1


class Returning(Detector):
    """A custom detector that returns what it was given, not necessarily a list of matches."""

    name = "returning"
    category = "TEST"

    def __init__(self, result):
        self.result = result

    def detect(self, text):
        return self.result


@pytest.mark.parametrize(
    ("result", "redacted"),
    [
        (None, "call me at noon"),
        ([(8, 10, "PRONOUN")], "call me <PRONOUN> noon"),
        (((8, 10, "PRONOUN", 0.5),), "call me <PRONOUN> noon"),
    ],
)
def test_custom_detectors_may_return_none_or_tuples(result, redacted):
    """#15: a custom detector returning None or tuples raised into the app."""
    policy = Policy("custom", [Rule("custom", Returning(result), "redact", "input")])
    assert policy.engine.check("call me at noon", "input").text == redacted


@pytest.mark.parametrize("result", [["oops"], [(0, 99, "X")], 42, [Match(3, 1, "X")]])
@pytest.mark.parametrize("fail_open", [True, False])
def test_a_custom_detectors_malformed_result_is_a_detector_error(result, fail_open):
    policy = Policy("custom", [Rule("custom", Returning(result), "redact", "input")], fail_open=fail_open)
    if fail_open:
        checked = policy.engine.check("call me at noon", "input")
        assert (checked.text, checked.outcome.value, checked.errors[0].error_type) == (
            "call me at noon",
            "error",
            "TypeError",
        )
    else:
        with pytest.raises(GuardrailViolation):
            policy.engine.check("call me at noon", "input")


def test_a_malformed_custom_detector_does_not_break_an_instrumented_call(otel, client, instrument_openai):
    instrument_openai()
    guardrails.install(
        Policy("custom", [Rule("custom", Returning([(0, 1)]), "redact", "both")], fail_open=True)
    )
    try:
        response = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
        )
    finally:
        guardrails.uninstall()
    assert response.choices[0].message.content
