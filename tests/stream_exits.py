"""Every way out of a provider stream, sync and async: the span ends exactly once, with the right data.

A provider's test module subclasses :class:`StreamExitSuite` and provides the fixtures
``instrument`` (instrument its SDK), ``open_stream`` / ``open_async_stream`` (start a stream of at
least three chunks that completes normally), ``open_broken_stream`` / ``open_broken_async_stream``
(start a stream whose connection dies after the first chunk: see :class:`BrokenStreamServer`),
and the class attributes ``SPAN_NAME``, ``FINISH_REASONS``, ``ASYNC_CLOSE`` and ``WITH_BLOCK``;
:func:`covers_stream_exits` marks the inherited tests for the coverage matrix.
"""

from __future__ import annotations

import gc
import socket
import threading
import types
from typing import Any

import pytest

from otel_llm.semconv import attributes as A


class BrokenStreamServer:
    """Answers every request with ``head`` (status, headers and one chunk), then drops the connection."""

    def __init__(self, head: bytes) -> None:
        self.head = head
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(self.head)

    def close(self) -> None:
        self._socket.close()


def sse_head(first_event: bytes, content_type: str = "text/event-stream") -> bytes:
    """An HTTP/1.1 chunked response head carrying one chunk: ``first_event``."""
    return (
        f"HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\n\r\n".encode()
        + f"{len(first_event):x}\r\n".encode()
        + first_event
        + b"\r\n"
    )


class StreamExitSuite:
    SPAN_NAME: str
    FINISH_REASONS: tuple[str, ...] = ("stop",)
    ASYNC_CLOSE = "close"  # the SDK's async stream closes with close() or aclose()
    WITH_BLOCK = True  # False for SDKs whose streams are plain generators (no ``with``)

    @pytest.fixture(autouse=True)
    def _skip_with_block(self, request):
        if not self.WITH_BLOCK and "with_block" in request.node.name:
            pytest.skip("this SDK's streams are generators: no with-block to leave")

    def only_span(self, otel: Any, consumed: int, complete: bool, error: str | None = None) -> Any:
        spans = otel.spans()
        assert len(spans) == 1
        span = spans[0]
        attributes = span.attributes
        assert span.name == self.SPAN_NAME
        assert attributes[A.GEN_AI_REQUEST_STREAM] is True
        if consumed:
            assert attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] > 0
        else:
            assert A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK not in attributes
        if complete:
            assert attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] == self.FINISH_REASONS
        else:
            assert A.GEN_AI_RESPONSE_FINISH_REASONS not in attributes
        if error is None:
            assert A.ERROR_TYPE not in attributes
            assert span.status.status_code.name == "UNSET"
        else:
            assert attributes[A.ERROR_TYPE] == error
            assert span.status.status_code.name == "ERROR"
        return span

    # -- sync ----------------------------------------------------------------------------------

    def test_fully_consumed(self, otel, instrument, open_stream):
        instrument()
        chunks = list(open_stream())
        assert len(chunks) >= 3
        self.only_span(otel, len(chunks), complete=True)

    def test_break_early_then_garbage_collected(self, otel, instrument, open_stream):
        instrument()
        stream = open_stream()
        for _ in stream:
            break
        assert otel.spans() == []  # still open: the app may resume reading
        del stream
        gc.collect()
        self.only_span(otel, 1, complete=False)

    def test_close(self, otel, instrument, open_stream):
        instrument()
        stream = open_stream()
        next(iter(stream))
        stream.close()
        stream.close()  # twice: still one span
        self.only_span(otel, 1, complete=False)

    def test_with_block(self, otel, instrument, open_stream):
        instrument()
        with open_stream() as stream:
            iterator = iter(stream)
            next(iterator)
            next(iterator)
        self.only_span(otel, 2, complete=False)

    def test_app_exception_inside_with_block(self, otel, instrument, open_stream):
        instrument()
        with pytest.raises(KeyError), open_stream() as stream:
            next(iter(stream))
            raise KeyError("app bug")
        self.only_span(otel, 1, complete=False, error="KeyError")

    def test_connection_dies_mid_stream(self, otel, instrument, open_broken_stream):
        """The SDK's own exception reaches the app unchanged and is the span's error.type."""
        instrument()
        stream = iter(open_broken_stream())
        next(stream)
        with pytest.raises(Exception) as raised:
            next(stream)
        self.only_span(otel, 1, complete=False, error=type(raised.value).__qualname__)

    def test_never_iterated_and_garbage_collected(self, otel, instrument, open_stream):
        instrument()
        stream = open_stream()
        del stream
        gc.collect()
        self.only_span(otel, 0, complete=False)

    # -- async ---------------------------------------------------------------------------------

    async def test_async_fully_consumed(self, otel, instrument, open_async_stream):
        instrument()
        chunks = [chunk async for chunk in await open_async_stream()]
        assert len(chunks) >= 3
        self.only_span(otel, len(chunks), complete=True)

    async def test_async_break_early_then_garbage_collected(self, otel, instrument, open_async_stream):
        instrument()
        stream = await open_async_stream()
        async for _ in stream:
            break
        assert otel.spans() == []
        del stream
        gc.collect()
        self.only_span(otel, 1, complete=False)

    async def test_async_close(self, otel, instrument, open_async_stream):
        instrument()
        stream = await open_async_stream()
        await stream.__aiter__().__anext__()
        await getattr(stream, self.ASYNC_CLOSE)()
        await getattr(stream, self.ASYNC_CLOSE)()
        self.only_span(otel, 1, complete=False)

    async def test_async_with_block(self, otel, instrument, open_async_stream):
        instrument()
        async with await open_async_stream() as stream:
            await stream.__aiter__().__anext__()
        self.only_span(otel, 1, complete=False)

    async def test_async_app_exception_inside_with_block(self, otel, instrument, open_async_stream):
        instrument()
        with pytest.raises(ValueError):
            async with await open_async_stream() as stream:
                await stream.__aiter__().__anext__()
                raise ValueError("app bug")
        self.only_span(otel, 1, complete=False, error="ValueError")

    async def test_async_connection_dies_mid_stream(self, otel, instrument, open_broken_async_stream):
        instrument()
        stream = (await open_broken_async_stream()).__aiter__()
        await stream.__anext__()
        with pytest.raises(Exception) as raised:
            await stream.__anext__()
        self.only_span(otel, 1, complete=False, error=type(raised.value).__qualname__)

    async def test_async_never_iterated_and_garbage_collected(self, otel, instrument, open_async_stream):
        instrument()
        stream = await open_async_stream()
        del stream
        gc.collect()
        self.only_span(otel, 0, complete=False)


def covers_stream_exits(provider: str, operation: str) -> Any:
    """Class decorator: mark each inherited exit test with its coverage cell (``stream`` for the sync
    tests, ``async_stream`` for the async ones, feature ``stream_exits``)."""

    def decorate(cls: type) -> type:
        for name in dir(StreamExitSuite):
            if not name.startswith("test_"):
                continue
            base = getattr(StreamExitSuite, name)
            clone = types.FunctionType(
                base.__code__, base.__globals__, name, base.__defaults__, base.__closure__
            )
            clone.__qualname__ = f"{cls.__qualname__}.{name}"
            mode = "async_stream" if name.startswith("test_async_") else "stream"
            mark = pytest.mark.covers(
                provider=provider, operation=operation, mode=mode, feature="stream_exits"
            )
            setattr(cls, name, mark(clone))
        return cls

    return decorate
