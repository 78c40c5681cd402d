"""Stream proxies that keep the SDK stream's behaviour and end the invocation exactly once.

Per chunk they only keep the chunk and its arrival time; the provider's ``finish`` function reads
the kept chunks once, when the stream ends (fully read, closed, left, failed or garbage-collected).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from time import perf_counter
from typing import Any

import wrapt

from otel_llm.telemetry.guarding import ChunkGuard
from otel_llm.telemetry.invocation import Invocation

logger = logging.getLogger(__name__)

FinishStream = Callable[[Invocation, list[Any]], None]
"""Reads the chunks of a finished stream into the invocation's response fields."""


class _StreamEnd:
    """The ending shared by the sync and async proxies."""

    _self_invocation: Invocation
    _self_chunks: list[Any]
    _self_finish: FinishStream
    _self_guard: ChunkGuard | None

    def _self_setup(self, invocation: Invocation, finish: FinishStream, guard: ChunkGuard | None) -> None:
        self._self_invocation = invocation
        self._self_finish = finish
        self._self_guard = guard
        self._self_chunks = []
        self._self_times = invocation.chunk_times

    def _self_filter(self, chunk: Any) -> None:
        """Guardrails on streamed output: redact the chunk's text in place, or raise to block."""
        try:
            self._self_guard.filter(chunk)  # type: ignore[union-attr]
        except BaseException as error:
            self._self_end(error)
            raise

    def _self_end(self, error: BaseException | None) -> None:
        invocation = self._self_invocation
        if invocation.ended:
            return
        guard, self._self_guard = self._self_guard, None
        if guard is not None:
            try:
                guard.close()
            except Exception as blocked:  # a whole-text rule blocked at the end: the stream fails
                error = error or blocked
        try:
            self._self_finish(invocation, self._self_chunks)
        except Exception:
            logger.exception("otel-llm failed to read a stream's chunks")
        self._self_chunks = []
        if error is None:
            invocation.end()
        else:
            invocation.fail(error)


class StreamProxy(_StreamEnd, wrapt.ObjectProxy):
    """Wraps a sync SDK stream: iteration, ``with``, ``close()`` and the SDK's own helpers."""

    def __init__(
        self, stream: Any, invocation: Invocation, finish: FinishStream, guard: ChunkGuard | None = None
    ) -> None:
        super().__init__(stream)
        self._self_setup(invocation, finish, guard)

    def __iter__(self) -> StreamProxy:
        return self

    def __next__(self) -> Any:
        try:
            chunk = self.__wrapped__.__next__()
        except StopIteration:
            self._self_end(None)
            raise
        except BaseException as error:
            self._self_end(error)
            raise
        self._self_times.append(perf_counter())
        self._self_chunks.append(chunk)
        if self._self_guard is not None:
            self._self_filter(chunk)
        return chunk

    def __enter__(self) -> StreamProxy:
        self.__wrapped__.__enter__()
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, traceback: Any) -> Any:
        try:
            return self.__wrapped__.__exit__(exc_type, exc, traceback)
        finally:
            self._self_end(exc)

    def close(self) -> Any:
        try:
            return self.__wrapped__.close()
        finally:
            self._self_end(None)

    def __del__(self) -> None:
        self._self_end(None)


class AsyncStreamProxy(_StreamEnd, wrapt.ObjectProxy):
    """Wraps an async SDK stream: ``async for``, ``async with``, ``close()``/``aclose()`` and helpers."""

    def __init__(
        self, stream: Any, invocation: Invocation, finish: FinishStream, guard: ChunkGuard | None = None
    ) -> None:
        super().__init__(stream)
        self._self_setup(invocation, finish, guard)

    def __aiter__(self) -> AsyncStreamProxy:
        return self

    async def __anext__(self) -> Any:
        try:
            chunk = await self.__wrapped__.__anext__()
        except StopAsyncIteration:
            self._self_end(None)
            raise
        except BaseException as error:
            self._self_end(error)
            raise
        self._self_times.append(perf_counter())
        self._self_chunks.append(chunk)
        if self._self_guard is not None:
            self._self_filter(chunk)
        return chunk

    async def __aenter__(self) -> AsyncStreamProxy:
        await self.__wrapped__.__aenter__()
        return self

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, traceback: Any) -> Any:
        try:
            return await self.__wrapped__.__aexit__(exc_type, exc, traceback)
        finally:
            self._self_end(exc)

    async def close(self) -> Any:
        try:
            return await self.__wrapped__.close()
        finally:
            self._self_end(None)

    async def aclose(self) -> Any:
        try:
            return await self.__wrapped__.aclose()
        finally:
            self._self_end(None)

    def __del__(self) -> None:
        self._self_end(None)
