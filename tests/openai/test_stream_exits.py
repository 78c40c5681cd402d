"""A stream's span ends exactly once, with the right attributes, on every way out of the stream."""

from __future__ import annotations

import gc

import pytest

from otel_llm.demo.fake_server import default_responder
from otel_llm.semconv import attributes as A

from .transport import http as httpx2

FIRST_CHUNK = (
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n'
)

# openai 3.x wraps a read error mid-stream in APIConnectionError; 1.x lets httpx's error through.

MESSAGES = [{"role": "user", "content": "Tell me about spans"}]
ANSWER_WORDS = len(default_responder({"messages": MESSAGES}).split(" "))  # the fake streams a chunk per word


def _only_span(otel, consumed_chunks: int, complete: bool, error: str | None = None):
    spans = otel.spans()
    assert len(spans) == 1
    span = spans[0]
    attributes = span.attributes
    assert span.name == "chat gpt-4o-mini"
    assert attributes[A.GEN_AI_REQUEST_STREAM] is True
    if consumed_chunks:
        assert attributes[A.GEN_AI_RESPONSE_MODEL] == "gpt-4o-mini-2024-07-18"
        assert attributes[A.GEN_AI_RESPONSE_ID].startswith("chatcmpl-")
    else:
        assert A.GEN_AI_RESPONSE_MODEL not in attributes
    if complete:
        assert attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
        assert attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] > 0
    else:
        assert A.GEN_AI_RESPONSE_FINISH_REASONS not in attributes
    if consumed_chunks:
        assert attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] > 0
    if error is None:
        assert A.ERROR_TYPE not in attributes
        assert span.status.status_code.name == "UNSET"
    else:
        assert attributes[A.ERROR_TYPE] == error
        assert span.status.status_code.name == "ERROR"
    return span


def _create(client, **extra):
    return client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}, **extra
    )


def test_fully_consumed(client, otel, instrument_openai):
    instrument_openai()
    chunks = list(_create(client))
    assert len(chunks) == ANSWER_WORDS + 3  # role chunk, one per word, finish chunk, usage chunk
    _only_span(otel, len(chunks), complete=True)


def test_break_early_then_garbage_collected(client, otel, instrument_openai):
    instrument_openai()
    stream = _create(client)
    for _ in stream:
        break
    assert otel.spans() == []  # still open: the app may resume reading
    del stream
    gc.collect()
    _only_span(otel, 1, complete=False)


def test_close(client, otel, instrument_openai):
    instrument_openai()
    stream = _create(client)
    next(stream)
    stream.close()
    stream.close()  # twice: still one span
    _only_span(otel, 1, complete=False)


def test_with_block(client, otel, instrument_openai):
    instrument_openai()
    with _create(client) as stream:
        next(stream)
        next(stream)
    _only_span(otel, 2, complete=False)


def test_app_exception_inside_with_block(client, otel, instrument_openai):
    instrument_openai()
    with pytest.raises(KeyError), _create(client) as stream:
        next(stream)
        raise KeyError("app bug")
    _only_span(otel, 1, complete=False, error="KeyError")


def test_transport_error_mid_stream(otel, instrument_openai):
    """The connection dies after one chunk: the SDK's own exception reaches the app unchanged."""
    import openai

    def handler(request):
        def body():
            yield FIRST_CHUNK
            raise httpx2.ReadError("connection reset", request=request)

        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    client = openai.OpenAI(
        base_url="https://api.openai.com/v1",
        api_key="sk-test",
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )
    instrument_openai()
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    assert next(stream).choices[0].delta.content == "Hi"
    with pytest.raises((openai.APIConnectionError, httpx2.ReadError)) as raised:
        next(stream)
    span = _only_span(otel, 1, complete=False, error=type(raised.value).__qualname__)
    assert span.attributes[A.SERVER_ADDRESS] == "api.openai.com"


def test_never_iterated_and_garbage_collected(client, otel, instrument_openai):
    instrument_openai()
    stream = _create(client)
    del stream
    gc.collect()
    span = _only_span(otel, 0, complete=False)
    assert A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK not in span.attributes


def test_stream_helper_keeps_its_behaviour(client, otel, instrument_openai):
    instrument_openai()
    with client.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES) as stream:
        text = "".join(event.delta for event in stream if event.type == "content.delta")
        final = stream.get_final_completion()
    assert final.choices[0].message.content == text
    assert len(otel.spans()) == 1


# -- async -------------------------------------------------------------------------------------


async def _acreate(async_client):
    return await async_client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )


async def test_async_fully_consumed(async_client, otel, instrument_openai):
    instrument_openai()
    chunks = [chunk async for chunk in await _acreate(async_client)]
    _only_span(otel, len(chunks), complete=True)


async def test_async_break_early_then_garbage_collected(async_client, otel, instrument_openai):
    instrument_openai()
    stream = await _acreate(async_client)
    async for _ in stream:
        break
    del stream
    gc.collect()
    _only_span(otel, 1, complete=False)


async def test_async_close(async_client, otel, instrument_openai):
    instrument_openai()
    stream = await _acreate(async_client)
    await stream.__anext__()
    await stream.close()
    await stream.close()
    _only_span(otel, 1, complete=False)


async def test_async_with_block(async_client, otel, instrument_openai):
    instrument_openai()
    async with await _acreate(async_client) as stream:
        await stream.__anext__()
    _only_span(otel, 1, complete=False)


async def test_async_app_exception_inside_with_block(async_client, otel, instrument_openai):
    instrument_openai()
    with pytest.raises(ValueError):
        async with await _acreate(async_client) as stream:
            await stream.__anext__()
            raise ValueError("app bug")
    _only_span(otel, 1, complete=False, error="ValueError")


async def test_async_transport_error_mid_stream(otel, instrument_openai):
    import openai

    async def handler(request):
        async def body():
            yield FIRST_CHUNK
            raise httpx2.ReadError("connection reset", request=request)

        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    client = openai.AsyncOpenAI(
        base_url="https://api.openai.com/v1",
        api_key="sk-test",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )
    instrument_openai()
    stream = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    await stream.__anext__()
    with pytest.raises((openai.APIConnectionError, httpx2.ReadError)) as raised:
        await stream.__anext__()
    _only_span(otel, 1, complete=False, error=type(raised.value).__qualname__)


async def test_async_never_iterated_and_garbage_collected(async_client, otel, instrument_openai):
    instrument_openai()
    stream = await _acreate(async_client)
    del stream
    gc.collect()
    _only_span(otel, 0, complete=False)
