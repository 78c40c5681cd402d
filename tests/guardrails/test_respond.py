"""The ``respond`` action on instrumented calls of every guarded provider, through the real SDKs.

A ``respond`` rule that stops the input answers the call with its refusal, in the SDK's own response
type (whole) or chunk types (streamed), sync and async: the SDK sends no request (a loopback server
counts them), the app needs no ``try``/``except``, and the guardrail span and event say ``respond``.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.trace import StatusCode

from otel_llm import guardrails
from otel_llm.guardrails import GuardrailViolation, Policy, Rule
from otel_llm.guardrails.detectors.classifiers import PromptInjectionDetector
from otel_llm.semconv import attributes as A

from .. import guardrail_wiring as wiring
from ..bedrock.conftest import _fake_aws_environment  # noqa: F401  (a fixture: fake AWS credentials)
from ..wire_server import Reply

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the price map
MODEL = "test-model"
REFUSAL = "I can't help with that, but I'm happy to help with something else."
USER = [{"role": "user", "content": wiring.INJECTION}]


ECHO = "Say something."
"""The one prompt the server answers (with an injection, for the output rule); others get a 500."""


def route(method: str, path: str, body: Any) -> Reply:
    if body.get("messages") == [{"role": "user", "content": ECHO}]:
        message = {"role": "assistant", "content": wiring.INJECTION}
        choices = [{"index": 0, "finish_reason": "stop", "message": message}]
        return Reply(
            json_body={
                "id": "c1",
                "object": "chat.completion",
                "created": 1,
                "model": MODEL,
                "choices": choices,
            }
        )
    return Reply(status=500, json_body={"error": "a refused call must not reach the server"})


server = wiring.wire_server_fixture(route)


@pytest.fixture
def policy():
    installed = Policy(
        "respond", [Rule("injection", PromptInjectionDetector(), "respond", "input", response=REFUSAL)]
    )
    guardrails.install(installed)
    yield installed
    guardrails.uninstall()


@dataclass(frozen=True)
class Case:
    """One provider operation: how to call it, what the refusal must be, how to read its text."""

    instrumentor: Callable[[], Any]
    call: Callable[[str, bool, bool], Any]  # (base_url, is_async, stream) -> result or awaitable
    span: str
    whole_type: Callable[[], type]
    whole_text: Callable[[Any], str]
    chunk_type: Callable[[], type]
    chunks_text: Callable[[list[Any]], str]
    sync_only: bool = False


def _openai(url: str, is_async: bool) -> Any:
    import openai

    return (openai.AsyncOpenAI if is_async else openai.OpenAI)(base_url=url, api_key="sk-test", max_retries=0)


def _chat_text(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def _instrumentor(module: str, name: str) -> Callable[[], Any]:
    def make() -> Any:
        return getattr(__import__(f"otel_llm.instrumentation.{module}", fromlist=[name]), name)()

    return make


def _type(module: str, name: str) -> Callable[[], type]:
    return lambda: getattr(__import__(module, fromlist=[name]), name)


def _google(url: str, is_async: bool, stream: bool) -> Any:
    from google import genai
    from google.genai import types

    client = genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=url))
    models = client.aio.models if is_async else client.models
    method = models.generate_content_stream if stream else models.generate_content
    return method(model=MODEL, contents=wiring.INJECTION)


def _mistral(url: str, is_async: bool, stream: bool) -> Any:
    from mistralai.client import Mistral

    chat = Mistral(api_key="test-key", server_url=url).chat
    name = ("stream" if stream else "complete") + ("_async" if is_async else "")
    return getattr(chat, name)(model=MODEL, messages=USER)


def _cohere(url: str, is_async: bool, stream: bool) -> Any:
    import cohere

    client = (cohere.AsyncClientV2 if is_async else cohere.ClientV2)(api_key="test-key", base_url=url)
    return (client.chat_stream if stream else client.chat)(model=MODEL, messages=USER)


def _ollama(operation: str) -> Callable[[str, bool, bool], Any]:
    def call(url: str, is_async: bool, stream: bool) -> Any:
        import ollama

        client = (ollama.AsyncClient if is_async else ollama.Client)(host=url)
        if operation == "chat":
            return client.chat(MODEL, USER, stream=stream)
        return client.generate(MODEL, wiring.INJECTION, stream=stream)

    return call


def _litellm(url: str, is_async: bool, stream: bool) -> Any:
    import litellm

    call = litellm.acompletion if is_async else litellm.completion
    return call(model=f"openai/{MODEL}", messages=USER, api_base=url, api_key="sk-test", stream=stream)


def _bedrock(url: str, is_async: bool, stream: bool) -> Any:
    import boto3

    client = boto3.client("bedrock-runtime", region_name="us-east-1", endpoint_url=url)
    messages = [{"role": "user", "content": [{"text": wiring.INJECTION}]}]
    return (client.converse_stream if stream else client.converse)(modelId=MODEL, messages=messages)


CASES = {
    "openai-chat": Case(
        _instrumentor("openai", "OpenAIInstrumentor"),
        lambda url, a, s: _openai(url, a).chat.completions.create(model=MODEL, messages=USER, stream=s),
        f"chat {MODEL}",
        _type("openai.types.chat", "ChatCompletion"),
        lambda r: r.choices[0].message.content,
        _type("openai.types.chat", "ChatCompletionChunk"),
        _chat_text,
    ),
    "openai-responses": Case(
        _instrumentor("openai", "OpenAIInstrumentor"),
        lambda url, a, s: _openai(url, a).responses.create(model=MODEL, input=wiring.INJECTION, stream=s),
        f"chat {MODEL}",
        _type("openai.types.responses", "Response"),
        lambda r: r.output_text,
        lambda: object,  # the stream is a union of event types
        lambda events: "".join(e.delta for e in events if e.type == "response.output_text.delta"),
    ),
    "anthropic": Case(
        _instrumentor("anthropic", "AnthropicInstrumentor"),
        lambda url, a, s: (
            __import__("anthropic").AsyncAnthropic if a else __import__("anthropic").Anthropic
        )(base_url=url, api_key="sk-ant-test", max_retries=0).messages.create(
            model=MODEL, max_tokens=64, messages=USER, stream=s
        ),
        f"chat {MODEL}",
        _type("anthropic.types", "Message"),
        lambda r: r.content[0].text,
        lambda: object,
        lambda events: "".join(e.delta.text for e in events if e.type == "content_block_delta"),
    ),
    "bedrock-converse": Case(
        _instrumentor("bedrock", "BedrockInstrumentor"),
        _bedrock,
        f"chat {MODEL}",
        lambda: dict,
        lambda r: r["output"]["message"]["content"][0]["text"],
        lambda: dict,
        lambda events: "".join(
            e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e
        ),
        sync_only=True,  # boto3 has no async client
    ),
    "google-genai": Case(
        _instrumentor("google_genai", "GoogleGenAIInstrumentor"),
        _google,
        f"generate_content {MODEL}",
        _type("google.genai.types", "GenerateContentResponse"),
        lambda r: r.text,
        _type("google.genai.types", "GenerateContentResponse"),
        lambda chunks: "".join(c.text or "" for c in chunks),
    ),
    "groq": Case(
        _instrumentor("groq", "GroqInstrumentor"),
        lambda url, a, s: (__import__("groq").AsyncGroq if a else __import__("groq").Groq)(
            api_key="gsk-test", base_url=url, max_retries=0
        ).chat.completions.create(model=MODEL, messages=USER, stream=s),
        f"chat {MODEL}",
        _type("groq.types.chat", "ChatCompletion"),
        lambda r: r.choices[0].message.content,
        _type("groq.types.chat", "ChatCompletionChunk"),
        _chat_text,
    ),
    "mistral": Case(
        _instrumentor("mistral", "MistralInstrumentor"),
        _mistral,
        f"chat {MODEL}",
        _type("mistralai.client.models", "ChatCompletionResponse"),
        lambda r: r.choices[0].message.content,
        _type("mistralai.client.models", "CompletionEvent"),
        lambda events: "".join(e.data.choices[0].delta.content or "" for e in events),
    ),
    "cohere": Case(
        _instrumentor("cohere", "CohereInstrumentor"),
        _cohere,
        f"chat {MODEL}",
        _type("cohere", "V2ChatResponse"),
        lambda r: r.message.content[0].text,
        lambda: object,
        lambda events: "".join(e.delta.message.content.text for e in events if e.type == "content-delta"),
    ),
    "ollama-chat": Case(
        _instrumentor("ollama", "OllamaInstrumentor"),
        _ollama("chat"),
        f"chat {MODEL}",
        _type("ollama", "ChatResponse"),
        lambda r: r.message.content,
        _type("ollama", "ChatResponse"),
        lambda chunks: "".join(c.message.content for c in chunks),
    ),
    "ollama-generate": Case(
        _instrumentor("ollama", "OllamaInstrumentor"),
        _ollama("generate"),
        f"text_completion {MODEL}",
        _type("ollama", "GenerateResponse"),
        lambda r: r.response,
        _type("ollama", "GenerateResponse"),
        lambda chunks: "".join(c.response for c in chunks),
    ),
    "litellm": Case(
        _instrumentor("litellm", "LiteLLMInstrumentor"),
        _litellm,
        f"chat {MODEL}",
        _type("litellm.types.utils", "ModelResponse"),
        lambda r: r.choices[0].message.content,
        _type("litellm.types.utils", "ModelResponseStream"),
        _chat_text,
    ),
}


async def _read(result: Any, stream: bool) -> Any:
    """The awaited result; for a stream, its chunks (Bedrock's are in the result's ``stream``)."""
    if inspect.isawaitable(result):
        result = await result
    if not stream:
        return result
    events = result["stream"] if isinstance(result, dict) else result
    if hasattr(events, "__aiter__"):
        return [event async for event in events]
    if hasattr(events, "__enter__"):  # SDK streams are context managers; apps may use them so
        with events:
            return list(events)
    return list(events)


@pytest.fixture(params=list(CASES))
def case(request):
    request.getfixturevalue("_fake_aws_environment")  # boto3 finds fake credentials, never real ones
    case = CASES[request.param]
    instrumentor = case.instrumentor()
    instrumentor.instrument()
    yield case
    instrumentor.uninstrument()


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_respond_answers_with_the_refusal_in_the_sdk_type(case, is_async, stream, server, policy, otel):
    if is_async and case.sync_only:
        pytest.skip("the SDK has no async client")
    sent = len(server.requests)
    result = asyncio.run(_read(case.call(server.base_url, is_async, stream), stream))
    assert len(server.requests) == sent  # the SDK was not called
    if stream:
        assert result and all(isinstance(chunk, case.chunk_type()) for chunk in result)
        assert case.chunks_text(result) == REFUSAL
    else:
        assert isinstance(result, case.whole_type())
        assert case.whole_text(result) == REFUSAL
    _check_respond_telemetry(otel, case.span)


def _check_respond_telemetry(otel: Any, call_span: str) -> None:
    spans = otel.spans()
    [call] = [s for s in spans if s.name == call_span]
    assert call.status.status_code is not StatusCode.ERROR
    [guard] = [s for s in spans if s.name == wiring.GUARD_SPAN]
    assert guard.parent.span_id == call.context.span_id
    assert dict(guard.attributes) == {
        **wiring.span_attributes("input", "respond", wiring.policy_attributes("respond"))
    }
    [event] = wiring.guardrail_events(otel)
    score = event[A.GEN_AI_GUARDRAIL_RISK_SCORE]
    policy = wiring.policy_attributes("respond")
    assert event == wiring.event(
        "injection", "input", "respond", "PROMPT_INJECTION", "prompt_injection", score, policy
    )


def test_block_rules_still_raise_when_a_respond_rule_also_stops_the_input(server, otel):
    import openai
    from otel_llm.instrumentation.openai import OpenAIInstrumentor

    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument()
    installed = Policy(
        "mixed",
        [
            Rule("injection", PromptInjectionDetector(), "respond", "input", response=REFUSAL),
            Rule("injection-block", PromptInjectionDetector(), "block", "input"),
        ],
    )
    try:
        with guardrails.guarded(installed):
            client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
            with pytest.raises(GuardrailViolation) as caught:
                client.chat.completions.create(model=MODEL, messages=USER)
    finally:
        instrumentor.uninstrument()
    assert caught.value.response is None
    assert "injection, injection-block" in str(caught.value)


def test_respond_on_output_replaces_the_answer(server, otel):
    import openai
    from otel_llm.instrumentation.openai import OpenAIInstrumentor

    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument()
    installed = Policy(
        "out", [Rule("injection", PromptInjectionDetector(), "respond", "output", response=REFUSAL)]
    )
    try:
        with guardrails.guarded(installed):
            client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
            response = client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": ECHO}]
            )
    finally:
        instrumentor.uninstrument()
    assert response.choices[0].message.content == REFUSAL
    [guard] = [s for s in otel.spans() if s.name == wiring.GUARD_SPAN]
    assert guard.attributes[A.OTEL_LLM_GUARDRAIL_OUTCOME] == "respond"
    assert installed.engine.apply(["Paris is the capital of France."], "output") == [
        "Paris is the capital of France."
    ]


def test_respond_rule_from_yaml_carries_its_response():
    policy = Policy.from_yaml(
        "id: p\nrules:\n  - id: inj\n    detector: prompt_injection\n    action: respond\n"
        "    source: input\n    response: Not today.\n"
    )
    with pytest.raises(GuardrailViolation) as caught:
        policy.check_input(wiring.INJECTION)
    assert caught.value.response == "Not today."
