"""Guardrails on real boto3 ``bedrock-runtime`` calls: ``converse``, ``converse_stream``, and
``invoke_model`` (and its stream) with Anthropic Messages and Llama bodies, against a loopback Bedrock
server that records each request and answers with PII split across stream events."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest

from otel_llm.guardrails import GuardrailViolation

from .. import guardrail_wiring as wiring
from ..wire_server import Reply
from .fake_bedrock import EVENT_STREAM, chunk_frame, event_frame

NOVA = "amazon.nova-lite-v1:0"
CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0"
LLAMA = "meta.llama3-8b-instruct-v1:0"


@dataclass(frozen=True)
class PromptFamily:
    """A single-prompt body format: its prompt key, a response (or stream chunk) holding ``text``."""

    prompt: str
    response: Callable[[str], dict[str, Any]]
    chunk: Callable[[str, str | None], dict[str, Any]]
    text: Callable[[dict[str, Any]], str]
    chunk_text: Callable[[dict[str, Any]], str]


def _flat(text_key: str, stop_key: str, stop: str, **extra: Any) -> PromptFamily:
    """A family whose response and chunks are one flat output object."""
    return PromptFamily(
        "prompt",
        lambda text: {text_key: text, stop_key: stop, **extra},
        lambda text, reason: {text_key: text, stop_key: reason, **extra},
        lambda body: body[text_key],
        lambda chunk: chunk[text_key],
    )


PROMPT_FAMILIES = {
    LLAMA: _flat("generation", "stop_reason", "stop"),
    "anthropic.claude-v2": _flat("completion", "stop_reason", "stop_sequence", type="completion"),
    "amazon.titan-text-express-v1": PromptFamily(
        "inputText",
        lambda text: {"results": [{"outputText": text, "completionReason": "FINISH"}]},
        lambda text, reason: {"outputText": text, "completionReason": reason, "index": 0},
        lambda body: body["results"][0]["outputText"],
        lambda chunk: chunk["outputText"],
    ),
    "mistral.mistral-7b-instruct-v0:2": PromptFamily(
        "prompt",
        lambda text: {"outputs": [{"text": text, "stop_reason": "stop"}]},
        lambda text, reason: {"outputs": [{"text": text, "stop_reason": reason}]},
        lambda body: body["outputs"][0]["text"],
        lambda chunk: chunk["outputs"][0]["text"],
    ),
}
USAGE = {"inputTokens": 9, "outputTokens": 20, "totalTokens": 29}
policy = wiring.policy_fixture()


def _converse_events() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("messageStart", {"role": "assistant"}),
        *(
            ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": p}})
            for p in wiring.ANSWER_PIECES
        ),
        ("contentBlockStop", {"contentBlockIndex": 0}),
        ("messageStop", {"stopReason": "end_turn"}),
        ("metadata", {"usage": USAGE, "metrics": {"latencyMs": 5}}),
    ]


def _claude_events() -> list[dict[str, Any]]:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": CLAUDE, "content": []}
    return [
        {"type": "message_start", "message": {**message, "usage": {"input_tokens": 9, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        *(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}}
            for p in wiring.ANSWER_PIECES
        ),
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 20}},
        {"type": "message_stop"},
    ]


def _prompt_chunks(family: PromptFamily) -> list[dict[str, Any]]:
    return [*(family.chunk(piece, None) for piece in wiring.ANSWER_PIECES), family.chunk("", "stop")]


def _stream(frames: list[bytes]) -> Reply:
    return Reply(frames=frames, content_type=EVENT_STREAM)


def route(method: str, path: str, body: Any) -> Reply:
    _, _, quoted, api = path.split("/", 3)
    model = unquote(quoted)
    if api == "converse" or (api == "invoke" and model == NOVA):
        message = {"role": "assistant", "content": [{"text": wiring.ANSWER}]}
        return Reply(json_body={"output": {"message": message}, "stopReason": "end_turn", "usage": USAGE})
    if api == "converse-stream":
        return _stream([event_frame(kind, data) for kind, data in _converse_events()])
    if api == "invoke-with-response-stream" and model == NOVA:
        return _stream([chunk_frame({kind: data}) for kind, data in _converse_events()])
    if api == "invoke-with-response-stream":
        chunks = _claude_events() if model == CLAUDE else _prompt_chunks(PROMPT_FAMILIES[model])
        return _stream([chunk_frame(chunk) for chunk in chunks])
    if model == CLAUDE:
        content = [{"type": "text", "text": wiring.ANSWER}]
        usage = {"input_tokens": 9, "output_tokens": 20}
        return Reply(json_body={"type": "message", "role": "assistant", "content": content, "usage": usage})
    return Reply(json_body=PROMPT_FAMILIES[model].response(wiring.ANSWER))


server = wiring.wire_server_fixture(route)


@pytest.fixture
def guarded_client(server, instrument_bedrock, _fake_aws_environment):
    import boto3

    instrument_bedrock()
    return boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=server.base_url)


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"text": text}]}]


def test_blocked_input_never_reaches_the_server(server, guarded_client, policy, otel):
    sent = len(server.requests)
    with pytest.raises(GuardrailViolation) as caught:
        guarded_client.converse(modelId=NOVA, messages=_user(wiring.INJECTION))
    assert len(server.requests) == sent
    wiring.check_blocked(otel, f"chat {NOVA}", caught.value, wiring.INJECTION)


def test_converse_redacts_the_request_and_the_answer(server, guarded_client, policy, otel):
    result = {"toolUseId": "t1", "content": [{"json": {"owner": "bob@example.com", "n": 2}}]}
    messages = [
        {"role": "user", "content": [{"text": "Hello"}]},
        {"role": "assistant", "content": [{"text": "Mail me at me@example.net"}]},
        {"role": "user", "content": [{"toolResult": result}, {"text": wiring.PII_PROMPT}]},
    ]
    response = guarded_client.converse(modelId=NOVA, messages=messages, system=[{"text": wiring.SYSTEM}])
    body = server.requests[-1]["body"]
    assert body["system"] == [{"text": wiring.SYSTEM}]
    assert body["messages"] == [
        messages[0],
        messages[1],
        {
            "role": "user",
            "content": [
                {
                    "toolResult": {
                        "toolUseId": "t1",
                        "content": [{"json": {"owner": "<EMAIL_ADDRESS>", "n": 2}}],
                    }
                },
                {"text": wiring.REDACTED_PROMPT},
            ],
        },
    ]
    assert messages[2]["content"][1]["text"] == wiring.PII_PROMPT and result["content"][0]["json"]["n"] == 2
    assert response["output"]["message"]["content"] == [{"text": wiring.REDACTED_ANSWER}]
    findings = [wiring.INPUT_FINDINGS[0], *wiring.INPUT_FINDINGS, *wiring.OUTPUT_FINDINGS]
    wiring.check_guarded(otel, f"chat {NOVA}", [("input", "redact"), ("output", "redact")], findings)


def test_converse_stream_is_redacted_across_events(guarded_client, policy, otel):
    events = list(guarded_client.converse_stream(modelId=NOVA, messages=_user("Reach Bob?"))["stream"])
    # the held-back tail comes in a delta inserted right before the block's stop event
    assert [next(iter(e)) for e in events[-5:-2]] == [
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
    ]
    assert len(events) == len(_converse_events()) + 1
    pieces = [e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e]
    wiring.check_streamed(otel, f"chat {NOVA}", pieces)


def test_invoke_model_redacts_an_anthropic_body_and_answer(server, guarded_client, policy, otel):
    request = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "system": wiring.SYSTEM}
    request["messages"] = [{"role": "user", "content": wiring.PII_PROMPT}]
    response = guarded_client.invoke_model(modelId=CLAUDE, body=json.dumps(request))
    assert server.requests[-1]["body"] == {
        **request,
        "messages": [{"role": "user", "content": wiring.REDACTED_PROMPT}],
    }
    assert json.loads(response["body"].read())["content"] == [
        {"type": "text", "text": wiring.REDACTED_ANSWER}
    ]
    wiring.check_guarded(
        otel,
        f"chat {CLAUDE}",
        [("input", "redact"), ("output", "redact")],
        [*wiring.INPUT_FINDINGS, *wiring.OUTPUT_FINDINGS],
    )


def _chunks(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(event["chunk"]["bytes"]) for event in response["body"]]


def test_invoke_stream_of_an_anthropic_body_is_redacted(guarded_client, policy, otel):
    request = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64}
    request["messages"] = [{"role": "user", "content": [{"type": "text", "text": "Reach Bob?"}]}]
    chunks = _chunks(
        guarded_client.invoke_model_with_response_stream(modelId=CLAUDE, body=json.dumps(request))
    )
    assert [c["type"] for c in chunks[-5:-2]] == [
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
    ]
    pieces = [c["delta"]["text"] for c in chunks if c["type"] == "content_block_delta"]
    wiring.check_streamed(otel, f"chat {CLAUDE}", pieces)


def test_invoke_model_redacts_a_nova_body_and_answer(server, guarded_client, policy, otel):
    request = {"messages": _user(wiring.PII_PROMPT), "inferenceConfig": {"maxTokens": 64}}
    response = guarded_client.invoke_model(modelId=NOVA, body=json.dumps(request))
    assert server.requests[-1]["body"] == {**request, "messages": _user(wiring.REDACTED_PROMPT)}
    message = json.loads(response["body"].read())["output"]["message"]
    assert message["content"] == [{"text": wiring.REDACTED_ANSWER}]
    findings = [*wiring.INPUT_FINDINGS, *wiring.OUTPUT_FINDINGS]
    wiring.check_guarded(otel, f"chat {NOVA}", [("input", "redact"), ("output", "redact")], findings)


def test_invoke_stream_of_a_nova_body_is_redacted(guarded_client, policy, otel):
    body = json.dumps({"messages": _user("Reach Bob?")})
    chunks = _chunks(guarded_client.invoke_model_with_response_stream(modelId=NOVA, body=body))
    assert [next(iter(c)) for c in chunks[-5:-2]] == [
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
    ]
    pieces = [c["contentBlockDelta"]["delta"]["text"] for c in chunks if "contentBlockDelta" in c]
    wiring.check_streamed(otel, f"chat {NOVA}", pieces)


@pytest.mark.parametrize("model", PROMPT_FAMILIES)
def test_invoke_model_redacts_a_prompt_and_its_completion(server, guarded_client, policy, otel, model):
    family = PROMPT_FAMILIES[model]
    response = guarded_client.invoke_model(modelId=model, body=json.dumps({family.prompt: wiring.PII_PROMPT}))
    assert server.requests[-1]["body"] == {family.prompt: wiring.REDACTED_PROMPT}
    answer = json.loads(response["body"].read())
    assert answer == family.response(wiring.REDACTED_ANSWER) and family.text(answer) == wiring.REDACTED_ANSWER
    findings = [*wiring.INPUT_FINDINGS, *wiring.OUTPUT_FINDINGS]
    wiring.check_guarded(
        otel, f"text_completion {model}", [("input", "redact"), ("output", "redact")], findings
    )


@pytest.mark.parametrize("model", PROMPT_FAMILIES)
def test_invoke_stream_of_a_prompt_body_is_redacted(guarded_client, policy, otel, model):
    family = PROMPT_FAMILIES[model]
    body = json.dumps({family.prompt: "Reach Bob?"})
    chunks = _chunks(guarded_client.invoke_model_with_response_stream(modelId=model, body=body))
    assert len(chunks) == len(wiring.ANSWER_PIECES) + 1  # the tail is released into the last chunk
    wiring.check_streamed(otel, f"text_completion {model}", [family.chunk_text(c) for c in chunks])


def test_without_a_policy_calls_are_untouched(server, guarded_client, otel):
    events = list(guarded_client.converse_stream(modelId=NOVA, messages=_user(wiring.PII_PROMPT))["stream"])
    assert len(events) == len(_converse_events())
    assert server.requests[-1]["body"]["messages"] == _user(wiring.PII_PROMPT)
    assert (
        "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
        == wiring.ANSWER
    )
    wiring.check_guarded(otel, f"chat {NOVA}", [], [])
