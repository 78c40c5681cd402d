"""Anthropic streams end their span exactly once on every way out, for ``create(stream=True)`` and for the
``messages.stream(...)`` helper, which returns exactly what it returns uninstrumented."""

from __future__ import annotations

import gc

import httpx2
import pytest
from anthropic.lib.streaming import AsyncMessageStream, MessageStream

import anthropic
from otel_llm.semconv import attributes as A

MODEL = "claude-3-5-haiku-20241022"
MESSAGES = [{"role": "user", "content": "Say hello there!"}]
_EVENTS = [
    'message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "'
    + MODEL
    + '", "content": [], "stop_reason": null, "usage": {"input_tokens": 11, "output_tokens": 1}}',
    'content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}',
    'content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}',
    'content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " there!"}',
    'content_block_stop", "index": 0',
    'message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 6}',
    'message_stop"',
]
SSE = [f'event: {e.split(chr(34))[0]}\ndata: {{"type": "{e}}}\n\n'.encode() for e in _EVENTS]
# The SDK's own spans are off here: these tests count ours (tests/anthropic/test_no_duplicate_spans.py
# shows that the SDK's span is not started inside ours).
OPTIONS = {"api_key": "sk-ant-test", "max_retries": 0, "open_telemetry": False}
READ_ERRORS = (anthropic.APIConnectionError, httpx2.ReadError)  # the SDK lets httpx2's error through
COVERS = pytest.mark.covers(provider="anthropic", operation="chat", mode="stream", feature="stream_exits")


def _body(fail_after: int | None, request: httpx2.Request):
    for index, event in enumerate(SSE):
        if index == fail_after:
            raise httpx2.ReadError("connection reset", request=request)
        yield event


async def _abody(fail_after: int | None, request: httpx2.Request):
    for event in _body(fail_after, request):
        yield event


def _client(is_async: bool = False, fail_after: int | None = None):
    def handler(request: httpx2.Request) -> httpx2.Response:
        body = (_abody if is_async else _body)(fail_after, request)
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    if is_async:
        http = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
        return anthropic.AsyncAnthropic(**OPTIONS, http_client=http)
    http = httpx2.Client(transport=httpx2.MockTransport(handler))
    return anthropic.Anthropic(**OPTIONS, http_client=http)


def _only_span(otel, complete: bool, error: str | None = None):
    spans = otel.spans()
    assert len(spans) == 1
    span = spans[0]
    attributes = span.attributes
    assert span.name == f"chat {MODEL}"
    assert attributes[A.GEN_AI_REQUEST_STREAM] is True
    if complete:
        assert attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == ("end_turn",)
        assert (attributes[A.GEN_AI_USAGE_INPUT_TOKENS], attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS]) == (11, 6)
    else:
        assert A.GEN_AI_RESPONSE_FINISH_REASONS not in attributes
    if error is None:
        assert A.ERROR_TYPE not in attributes
        assert span.status.status_code.name == "UNSET"
    else:
        assert attributes[A.ERROR_TYPE] == error
        assert span.status.status_code.name == "ERROR"
    return span


def _create(client):
    return client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES, stream=True)


@COVERS
def test_fully_consumed(otel, instrument_anthropic):
    instrument_anthropic()
    events = list(_create(_client()))
    assert len(events) == len(SSE)
    span = _only_span(otel, complete=True)
    assert span.attributes[A.GEN_AI_RESPONSE_ID] == "msg_1"


@COVERS
def test_break_early_then_garbage_collected(otel, instrument_anthropic):
    instrument_anthropic()
    stream = _create(_client())
    for _ in stream:
        break
    assert otel.spans() == []
    del stream
    gc.collect()
    span = _only_span(otel, complete=False)
    assert span.attributes[A.GEN_AI_RESPONSE_MODEL] == MODEL


@COVERS
def test_close_twice(otel, instrument_anthropic):
    instrument_anthropic()
    stream = _create(_client())
    next(iter(stream))
    stream.close()
    stream.close()
    _only_span(otel, complete=False)


@COVERS
def test_app_exception_inside_with_block(otel, instrument_anthropic):
    instrument_anthropic()
    with pytest.raises(KeyError), _create(_client()) as stream:
        next(iter(stream))
        raise KeyError("app bug")
    _only_span(otel, complete=False, error="KeyError")


@COVERS
def test_transport_error_mid_stream(otel, instrument_anthropic):
    instrument_anthropic()
    stream = _create(_client(fail_after=2))
    with pytest.raises(READ_ERRORS) as raised:
        list(stream)
    _only_span(otel, complete=False, error=type(raised.value).__qualname__)


@COVERS
def test_never_iterated_and_garbage_collected(otel, instrument_anthropic):
    instrument_anthropic()
    stream = _create(_client())
    del stream
    gc.collect()
    span = _only_span(otel, complete=False)
    assert A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK not in span.attributes


def _helper_outputs(client) -> tuple:
    with client.messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES) as stream:
        kind = type(stream)
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    return kind, text, final.model_dump()


@COVERS
def test_helper_returns_what_it_returns_uninstrumented(otel, instrument_anthropic):
    plain = _helper_outputs(_client())
    assert otel.spans() == []
    instrument_anthropic(capture_mode="SPAN_ONLY")
    assert _helper_outputs(_client()) == plain
    assert plain[0] is MessageStream and plain[1] == "Hello there!"
    span = _only_span(otel, complete=True)
    assert '"content":"Hello there!"' in span.attributes[A.GEN_AI_OUTPUT_MESSAGES]


@COVERS
def test_helper_left_early(otel, instrument_anthropic):
    instrument_anthropic()
    with _client().messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES) as stream:
        next(iter(stream))
    _only_span(otel, complete=False)


@COVERS
def test_helper_app_exception(otel, instrument_anthropic):
    instrument_anthropic()
    with (
        pytest.raises(ValueError),
        _client().messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES) as stream,
    ):
        next(iter(stream))
        raise ValueError("app bug")
    _only_span(otel, complete=False, error="ValueError")


@COVERS
def test_helper_request_fails(otel, instrument_anthropic):
    instrument_anthropic()
    client = anthropic.Anthropic(**OPTIONS, base_url="http://127.0.0.1:9")  # nothing listens on port 9
    manager = client.messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES)
    with pytest.raises(anthropic.APIConnectionError), manager:
        pass
    _only_span(otel, complete=False, error="APIConnectionError")


@COVERS
def test_helper_never_entered_makes_no_span(otel, instrument_anthropic):
    instrument_anthropic()
    _client().messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES)
    gc.collect()
    assert otel.spans() == []


# -- async -------------------------------------------------------------------------------------

ASYNC_COVERS = pytest.mark.covers(
    provider="anthropic", operation="chat", mode="async_stream", feature="stream_exits"
)


async def _acreate(client):
    return await client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES, stream=True)


@ASYNC_COVERS
async def test_async_fully_consumed(otel, instrument_anthropic):
    instrument_anthropic()
    events = [event async for event in await _acreate(_client(True))]
    assert len(events) == len(SSE)
    _only_span(otel, complete=True)


@ASYNC_COVERS
async def test_async_break_early_then_garbage_collected(otel, instrument_anthropic):
    instrument_anthropic()
    stream = await _acreate(_client(True))
    async for _ in stream:
        break
    del stream
    gc.collect()
    _only_span(otel, complete=False)


@ASYNC_COVERS
async def test_async_close_and_with_block(otel, instrument_anthropic):
    instrument_anthropic()
    async with await _acreate(_client(True)) as stream:
        await stream.__anext__()
        await stream.close()
    _only_span(otel, complete=False)


@ASYNC_COVERS
async def test_async_transport_error_mid_stream(otel, instrument_anthropic):
    instrument_anthropic()
    stream = await _acreate(_client(True, fail_after=2))
    with pytest.raises(READ_ERRORS) as raised:
        async for _ in stream:
            pass
    _only_span(otel, complete=False, error=type(raised.value).__qualname__)


@ASYNC_COVERS
async def test_async_never_iterated_and_garbage_collected(otel, instrument_anthropic):
    instrument_anthropic()
    stream = await _acreate(_client(True))
    del stream
    gc.collect()
    _only_span(otel, complete=False)


async def _async_helper_outputs(client) -> tuple:
    async with client.messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES) as stream:
        kind = type(stream)
        text = "".join([chunk async for chunk in stream.text_stream])
        final = await stream.get_final_message()
    return kind, text, final.model_dump()


@ASYNC_COVERS
async def test_async_helper_returns_what_it_returns_uninstrumented(otel, instrument_anthropic):
    plain = await _async_helper_outputs(_client(True))
    instrument_anthropic()
    assert await _async_helper_outputs(_client(True)) == plain
    assert plain[0] is AsyncMessageStream
    _only_span(otel, complete=True)


@ASYNC_COVERS
async def test_async_helper_app_exception(otel, instrument_anthropic):
    instrument_anthropic()
    with pytest.raises(ValueError):
        async with _client(True).messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES) as stream:
            await stream.__anext__()
            raise ValueError("app bug")
    _only_span(otel, complete=False, error="ValueError")
