"""Keys and prompts echoed by a failing server never reach telemetry, with content capture on or off.

Every provider SDK with a key is driven against :class:`EchoServer` (a 401 that quotes the request's
headers, URL and body); the SDK's own exception reaches the app, and no span status, attribute or
exception event holds the client's key, a shaped token from the prompt, or (capture off) the prompt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from otel_llm.instrumentation.anthropic import AnthropicInstrumentor
from otel_llm.instrumentation.bedrock import BedrockInstrumentor
from otel_llm.instrumentation.cohere import CohereInstrumentor
from otel_llm.instrumentation.google_genai import GoogleGenAIInstrumentor
from otel_llm.instrumentation.groq import GroqInstrumentor
from otel_llm.instrumentation.mistral import MistralInstrumentor
from otel_llm.instrumentation.openai import OpenAIInstrumentor

from .echo_server import EchoServer

KEY = "leaky-client-key-5d41402abc4b2a76"  # no known token shape: only the client's own key gives it away
PROMPT_TOKEN = "sk-proj-" + "Q1w2E3r4" * 6  # a shaped token the user pasted into the prompt
PROMPT = f"My deployment password is hunter2-correct-horse and my key is {PROMPT_TOKEN}"
PROMPT_WORDS = "hunter2-correct-horse"
AWS_KEY_ID, AWS_SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def openai_call(url: str) -> Any:
    import openai

    client = openai.OpenAI(api_key=KEY, base_url=url + "/v1", max_retries=0)
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}])


def anthropic_call(url: str) -> Any:
    import anthropic

    client = anthropic.Anthropic(api_key=KEY, base_url=url, max_retries=0)
    return client.messages.create(
        model="claude-3-5-haiku-latest", max_tokens=10, messages=[{"role": "user", "content": PROMPT}]
    )


def groq_call(url: str) -> Any:
    import groq

    client = groq.Groq(api_key=KEY, base_url=url, max_retries=0)
    return client.chat.completions.create(
        model="llama-3.1-8b-instant", messages=[{"role": "user", "content": PROMPT}]
    )


def mistral_call(url: str) -> Any:
    from mistralai.client import Mistral

    client = Mistral(api_key=KEY, server_url=url)
    return client.chat.complete(model="mistral-small-latest", messages=[{"role": "user", "content": PROMPT}])


def cohere_call(url: str) -> Any:
    import cohere

    client = cohere.ClientV2(api_key=KEY, base_url=url)
    return client.chat(model="command-r", messages=[{"role": "user", "content": PROMPT}])


def google_call(url: str) -> Any:
    from google import genai

    client = genai.Client(api_key=KEY, http_options={"base_url": url, "retry_options": {"attempts": 1}})
    return client.models.generate_content(model="gemini-2.0-flash", contents=PROMPT)


def bedrock_call(url: str) -> Any:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=AWS_KEY_ID,
        aws_secret_access_key=AWS_SECRET,
        config=Config(retries={"max_attempts": 1}),
    )
    return client.converse(
        modelId="anthropic.claude-3-haiku-20240307-v1:0",
        messages=[{"role": "user", "content": [{"text": PROMPT}]}],
    )


PROVIDERS: dict[str, tuple[type, Callable[[str], Any]]] = {
    "openai": (OpenAIInstrumentor, openai_call),
    "anthropic": (AnthropicInstrumentor, anthropic_call),
    "groq": (GroqInstrumentor, groq_call),
    "mistral": (MistralInstrumentor, mistral_call),
    "cohere": (CohereInstrumentor, cohere_call),
    "google_genai": (GoogleGenAIInstrumentor, google_call),
    "bedrock": (BedrockInstrumentor, bedrock_call),
}


@pytest.fixture(scope="module")
def echo_server():
    with EchoServer() as server:
        yield server


def recorded_text(otel: Any) -> str:
    """Everything our telemetry holds: span names, statuses, attributes, events and log records."""
    parts = []
    for span in otel.spans():
        parts += [
            span.name,
            str(span.status.description),
            json.dumps(dict(span.attributes or {}), default=str),
        ]
        parts += [json.dumps(dict(event.attributes or {}), default=str) for event in span.events]
    for record in otel.logs():
        parts += [str(record.body), json.dumps(dict(record.attributes or {}), default=str)]
    return "\n".join(parts)


def failed_call(
    otel: Any, echo_server: EchoServer, provider: str, capture_mode: str
) -> tuple[Exception, str]:
    instrumentor_class, call = PROVIDERS[provider]
    instrumentor = instrumentor_class()
    instrumentor.instrument(capture_mode=capture_mode)
    try:
        with pytest.raises(Exception) as raised:
            call(echo_server.base_url)
    finally:
        instrumentor.uninstrument()
    return raised.value, recorded_text(otel)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("capture_mode", ["none", "span_and_event"])
def test_echoed_keys_are_not_recorded(otel, echo_server, provider, capture_mode):
    error, recorded = failed_call(otel, echo_server, provider, capture_mode)
    echoed = str(error)
    assert (
        KEY in echoed or AWS_KEY_ID in echoed
    ) and PROMPT_TOKEN in echoed  # the SDK's error does hold them
    spans = otel.spans()
    assert len(spans) == 1 and spans[0].status.status_code.name == "ERROR"
    assert "<redacted>" in spans[0].status.description
    error_texts = [spans[0].status.description] + [
        record.attributes["exception.message"]
        for record in otel.logs()
        if "exception.message" in record.attributes
    ]
    assert len(error_texts) == 2  # the span status and the exception event
    for secret in (KEY, AWS_KEY_ID, AWS_SECRET, PROMPT_TOKEN):
        assert not any(secret in text for text in error_texts)
    for secret in (KEY, AWS_KEY_ID, AWS_SECRET):
        assert secret not in recorded
    if capture_mode == "none":  # the prompt is content: recorded (in the input messages) only when captured
        assert PROMPT_WORDS not in recorded and PROMPT_TOKEN not in recorded


def test_scrub_removes_token_shapes_named_values_and_environment_secrets(monkeypatch):
    from otel_llm.telemetry.scrub import scrub

    monkeypatch.setenv("MY_SERVICE_TOKEN", "env-token-value-123")
    text = (
        "401 for https://h/v1/models?key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q&alt=sse with "
        "Authorization: Bearer abcdef0123456789 x-api-key: plain-key-value and env-token-value-123, "
        "client key own-key-0123456789, JWT eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2ln"
    )
    assert scrub(text, {"own-key-0123456789", "short"}) == (
        "401 for https://h/v1/models?key=<redacted>&alt=sse with "
        "Authorization: Bearer <redacted> x-api-key: <redacted> and <redacted>, "
        "client key <redacted>, JWT <redacted>"
    )
    assert scrub("Missing key: messages, status 400") == "Missing key: messages, status 400"
