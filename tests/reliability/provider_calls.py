"""One call per provider API and mode (sync, async, stream), made with the real SDK against a base URL.

Each returns a JSON-able summary of what the app got (the response, or every chunk of a stream), so that
an instrumented call's outcome can be compared with the bare SDK's. Retries are off everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from otel_llm.instrumentation.anthropic import AnthropicInstrumentor
from otel_llm.instrumentation.bedrock import BedrockInstrumentor
from otel_llm.instrumentation.cohere import CohereInstrumentor
from otel_llm.instrumentation.google_genai import GoogleGenAIInstrumentor
from otel_llm.instrumentation.groq import GroqInstrumentor
from otel_llm.instrumentation.mistral import MistralInstrumentor
from otel_llm.instrumentation.ollama import OllamaInstrumentor
from otel_llm.instrumentation.openai import OpenAIInstrumentor

MESSAGES = [{"role": "user", "content": "Say hi"}]


def dump(value: Any) -> Any:
    """A comparable summary of an SDK object."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "dict") and callable(value.dict):
        try:
            return value.dict()
        except Exception:
            return repr(value)
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [dump(v) for v in value]
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(type(value))


def read(stream: Any) -> list[Any]:
    return [dump(chunk) for chunk in stream]


async def aread(stream: Any) -> list[Any]:
    return [dump(chunk) async for chunk in stream]


# -- OpenAI, Groq, Anthropic ---------------------------------------------------------------------


@cache  # reused across calls (their TLS setup is costly); the server closes every connection
def openai_client(url: str, is_async: bool = False) -> Any:
    import openai

    return (openai.AsyncOpenAI if is_async else openai.OpenAI)(base_url=url, api_key="sk-test", max_retries=0)


def openai_chat(url: str) -> Any:
    return dump(openai_client(url).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))


async def openai_chat_async(url: str) -> Any:
    return dump(
        await openai_client(url, True).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    )


def openai_chat_stream(url: str) -> Any:
    return read(
        openai_client(url).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    )


async def openai_chat_async_stream(url: str) -> Any:
    client = openai_client(url, True)
    return await aread(
        await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    )


def openai_responses(url: str) -> Any:
    return dump(openai_client(url).responses.create(model="gpt-4o-mini", input="Say hi"))


def openai_responses_stream(url: str) -> Any:
    return read(openai_client(url).responses.create(model="gpt-4o-mini", input="Say hi", stream=True))


def openai_embeddings(url: str) -> Any:
    return dump(openai_client(url).embeddings.create(model="text-embedding-3-small", input="hi"))


@cache  # reused across calls (their TLS setup is costly); the server closes every connection
def groq_client(url: str, is_async: bool = False) -> Any:
    import groq

    return (groq.AsyncGroq if is_async else groq.Groq)(base_url=url, api_key="gsk-test", max_retries=0)


def groq_chat(url: str) -> Any:
    return dump(groq_client(url).chat.completions.create(model="llama-3.1-8b-instant", messages=MESSAGES))


async def groq_chat_async(url: str) -> Any:
    client = groq_client(url, True)
    return dump(await client.chat.completions.create(model="llama-3.1-8b-instant", messages=MESSAGES))


def groq_chat_stream(url: str) -> Any:
    client = groq_client(url)
    return read(client.chat.completions.create(model="llama-3.1-8b-instant", messages=MESSAGES, stream=True))


@cache  # reused across calls (their TLS setup is costly); the server closes every connection
def anthropic_client(url: str, is_async: bool = False) -> Any:
    import anthropic

    return (anthropic.AsyncAnthropic if is_async else anthropic.Anthropic)(
        base_url=url, api_key="sk-ant-test", max_retries=0
    )


ANTHROPIC = {"model": "claude-3-5-haiku-latest", "max_tokens": 16, "messages": MESSAGES}


def anthropic_messages(url: str) -> Any:
    return dump(anthropic_client(url).messages.create(**ANTHROPIC))


async def anthropic_messages_async(url: str) -> Any:
    return dump(await anthropic_client(url, True).messages.create(**ANTHROPIC))


def anthropic_messages_stream(url: str) -> Any:
    return read(anthropic_client(url).messages.create(**ANTHROPIC, stream=True))


def anthropic_stream_helper(url: str) -> Any:
    with anthropic_client(url).messages.stream(**ANTHROPIC) as stream:
        return read(stream)


# -- Mistral, Cohere, Google, Ollama, Bedrock ---------------------------------------------------------


@cache
def mistral_client(url: str) -> Any:
    from mistralai.client import Mistral

    return Mistral(api_key="test-key", server_url=url)


def mistral_chat(url: str) -> Any:
    return dump(mistral_client(url).chat.complete(model="mistral-small-latest", messages=MESSAGES))


async def mistral_chat_async(url: str) -> Any:
    return dump(
        await mistral_client(url).chat.complete_async(model="mistral-small-latest", messages=MESSAGES)
    )


def mistral_chat_stream(url: str) -> Any:
    return read(mistral_client(url).chat.stream(model="mistral-small-latest", messages=MESSAGES))


def mistral_embeddings(url: str) -> Any:
    return dump(mistral_client(url).embeddings.create(model="mistral-embed", inputs=["hi"]))


def cohere_client(url: str, is_async: bool = False) -> Any:
    """Not reused: a ``ClientV2`` binds its methods when it is made (before instrumenting, here)."""
    import cohere

    return (cohere.AsyncClientV2 if is_async else cohere.ClientV2)(api_key="test-key", base_url=url)


NO_RETRY = {"max_retries": 0}


def cohere_chat(url: str) -> Any:
    return dump(cohere_client(url).chat(model="command-r", messages=MESSAGES, request_options=NO_RETRY))


async def cohere_chat_async(url: str) -> Any:
    client = cohere_client(url, True)
    return dump(await client.chat(model="command-r", messages=MESSAGES, request_options=NO_RETRY))


def cohere_chat_stream(url: str) -> Any:
    return read(
        cohere_client(url).chat_stream(model="command-r", messages=MESSAGES, request_options=NO_RETRY)
    )


def cohere_embed(url: str) -> Any:
    client = cohere_client(url)
    return dump(
        client.embed(
            model="embed-english-v3.0",
            texts=["hi"],
            input_type="search_query",
            embedding_types=["float"],
            request_options=NO_RETRY,
        )
    )


@cache
def google_client(url: str) -> Any:
    from google import genai

    return genai.Client(api_key="test-key", http_options={"base_url": url, "retry_options": {"attempts": 1}})


def google_generate(url: str) -> Any:
    return dump(google_client(url).models.generate_content(model="gemini-2.0-flash", contents="Say hi"))


async def google_generate_async(url: str) -> Any:
    return dump(
        await google_client(url).aio.models.generate_content(model="gemini-2.0-flash", contents="Say hi")
    )


def google_generate_stream(url: str) -> Any:
    return read(
        google_client(url).models.generate_content_stream(model="gemini-2.0-flash", contents="Say hi")
    )


def google_embed(url: str) -> Any:
    return dump(google_client(url).models.embed_content(model="text-embedding-004", contents="hi"))


@cache  # reused across calls (their TLS setup is costly); the server closes every connection
def ollama_client(url: str, is_async: bool = False) -> Any:
    import ollama

    return (ollama.AsyncClient if is_async else ollama.Client)(host=url)


def ollama_chat(url: str) -> Any:
    return dump(ollama_client(url).chat(model="llama3.2", messages=MESSAGES))


async def ollama_chat_async(url: str) -> Any:
    return dump(await ollama_client(url, True).chat(model="llama3.2", messages=MESSAGES))


def ollama_chat_stream(url: str) -> Any:
    return read(ollama_client(url).chat(model="llama3.2", messages=MESSAGES, stream=True))


def ollama_embed(url: str) -> Any:
    return dump(ollama_client(url).embed(model="nomic-embed-text", input="hi"))


@cache
def bedrock_client(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


CONVERSE = {
    "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
    "messages": [{"role": "user", "content": [{"text": "hi"}]}],
}


def bedrock_converse(url: str) -> Any:
    return dump(bedrock_client(url).converse(**CONVERSE))


def bedrock_converse_stream(url: str) -> Any:
    return read(bedrock_client(url).converse_stream(**CONVERSE)["stream"])


def bedrock_invoke(url: str) -> Any:
    body = '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 9, "messages": []}'
    result = bedrock_client(url).invoke_model(modelId=CONVERSE["modelId"], body=body)
    return result["body"].read().decode(errors="replace")


Call = Callable[[str], Any]
# api -> (instrumentor, {mode: call}); "stream" calls read the whole stream
APIS: dict[str, tuple[type, dict[str, Call]]] = {
    "openai.chat": (
        OpenAIInstrumentor,
        {
            "sync": openai_chat,
            "async": openai_chat_async,
            "stream": openai_chat_stream,
            "async_stream": openai_chat_async_stream,
        },
    ),
    "openai.responses": (OpenAIInstrumentor, {"sync": openai_responses, "stream": openai_responses_stream}),
    "openai.embeddings": (OpenAIInstrumentor, {"sync": openai_embeddings}),
    "groq.chat": (
        GroqInstrumentor,
        {"sync": groq_chat, "async": groq_chat_async, "stream": groq_chat_stream},
    ),
    "anthropic.messages": (
        AnthropicInstrumentor,
        {
            "sync": anthropic_messages,
            "async": anthropic_messages_async,
            "stream": anthropic_messages_stream,
            "stream_helper": anthropic_stream_helper,
        },
    ),
    "mistral.chat": (
        MistralInstrumentor,
        {"sync": mistral_chat, "async": mistral_chat_async, "stream": mistral_chat_stream},
    ),
    "mistral.embeddings": (MistralInstrumentor, {"sync": mistral_embeddings}),
    "cohere.chat": (
        CohereInstrumentor,
        {"sync": cohere_chat, "async": cohere_chat_async, "stream": cohere_chat_stream},
    ),
    "cohere.embed": (CohereInstrumentor, {"sync": cohere_embed}),
    "google.generate_content": (
        GoogleGenAIInstrumentor,
        {"sync": google_generate, "async": google_generate_async, "stream": google_generate_stream},
    ),
    "google.embed_content": (GoogleGenAIInstrumentor, {"sync": google_embed}),
    "ollama.chat": (
        OllamaInstrumentor,
        {"sync": ollama_chat, "async": ollama_chat_async, "stream": ollama_chat_stream},
    ),
    "ollama.embed": (OllamaInstrumentor, {"sync": ollama_embed}),
    "bedrock.converse": (BedrockInstrumentor, {"sync": bedrock_converse, "stream": bedrock_converse_stream}),
    "bedrock.invoke_model": (BedrockInstrumentor, {"sync": bedrock_invoke}),
}
