"""Stream proxies that keep the SDK stream's behaviour and end the invocation exactly once.

Per chunk they only keep the chunk (and stamp its arrival time when ``time_per_output_chunk`` is
recorded; else only the first chunk's); the provider's ``finish`` function reads
the kept chunks once, when the stream ends (fully read, closed, left, failed or garbage-collected).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from time import perf_counter
from typing import Any

import wrapt
from opentelemetry import context

from otel_llm.config import ChunkMetric
from otel_llm.telemetry.guarding import ChunkGuard
from otel_llm.telemetry.invocation import Invocation

logger = logging.getLogger(__name__)

FinishStream = Callable[[Invocation, list[Any]], None]
"""Reads the chunks of a finished stream into the invocation's response fields."""


class _ChunkLog:
    """What the per-chunk path touches, on one slotted object: proxy attribute lookups cost more.

    With a ``window``, only the first chunk and the last ``window`` chunks stay alive: the chunks the
    app has read are then freed as they would be without us (keeping every chunk's objects alive
    costs more than reading them), for mappings that only need a stream's ends. Chunk arrival times
    are stamped for every chunk only when ``time_per_output_chunk`` is recorded; else for the first.
    """

    __slots__ = ("chunks", "each", "first", "guard", "keep", "stamp", "step", "times")

    def __init__(
        self,
        step: Callable[[], Any],
        times: list[float],
        guard: ChunkGuard | None,
        window: int | None,
        each: bool,
    ) -> None:
        self.step = step  # how the app's own loop would step the wrapped stream
        self.chunks: list[Any] | deque[Any] = [] if window is None else deque(maxlen=window)
        self.keep = self.chunks.append
        self.first: Any = None
        self.times = times
        self.stamp: Callable[[float], None] | None = times.append  # None once no more stamps are needed
        self.each = each
        self.guard = guard

    def first_chunk(self, chunk: Any) -> None:
        self.first = chunk
        if not self.each:
            self.stamp = None

    def kept(self) -> list[Any]:
        """The chunks for the provider's ``finish``: all of them, or the first and the last few."""
        chunks = list(self.chunks)
        if (
            isinstance(self.chunks, deque)
            and self.first is not None
            and (not chunks or chunks[0] is not self.first)
        ):
            chunks.insert(0, self.first)
        return chunks


def _sync_step(stream: Any) -> Callable[[], Any]:
    """The step of ``for chunk in stream``: ``iter(stream).__next__`` (for the SDKs' generator-based
    ``__iter__``, a generator's C-level step rather than a Python-level ``__next__`` call)."""
    try:
        return iter(stream).__next__
    except TypeError:  # an iterator without __iter__
        return stream.__next__


def _async_step(stream: Any) -> Callable[[], Any]:
    """The step of ``async for chunk in stream``."""
    try:
        return stream.__aiter__().__anext__
    except (AttributeError, TypeError):
        return stream.__anext__


class _StreamEnd:
    """The ending shared by the sync and async proxies."""

    _self_invocation: Invocation
    _self_finish: FinishStream
    _self_log: _ChunkLog

    def _self_setup(
        self,
        invocation: Invocation,
        finish: FinishStream,
        guard: ChunkGuard | None,
        window: int | None,
        step: Callable[[], Any],
    ) -> None:
        self._self_invocation = invocation
        self._self_finish = finish
        each = invocation.telemetry.settings.chunk_metric is ChunkMetric.EACH
        self._self_log = _ChunkLog(step, invocation.chunk_times, guard, window, each)

    def _self_filter(self, chunk: Any) -> None:
        """Guardrails on streamed output: redact the chunk's text in place, or raise to block."""
        guard = self._self_log.guard  # set: the proxy filters only when it was given a guard
        if guard is None:
            return
        try:
            guard.filter(chunk)
        except BaseException as error:
            self._self_end(error)
            raise

    def _self_end(self, error: BaseException | None) -> None:
        invocation = self._self_invocation
        if invocation.ended:
            return
        log = self._self_log
        guard, log.guard = log.guard, None
        if guard is not None:
            try:
                guard.close()
            except Exception as blocked:  # a whole-text rule blocked at the end: the stream fails
                error = error or blocked
        chunks = log.kept()
        log.chunks, log.first, log.stamp = [], None, None
        log.keep = log.chunks.append
        try:
            self._self_finish(invocation, chunks)
        except Exception:
            logger.exception("otel-llm failed to read a stream's chunks")
        if error is None:
            invocation.end()
        else:
            invocation.fail(error)


class StreamProxy(_StreamEnd, wrapt.ObjectProxy):
    """Wraps a sync SDK stream: iteration, ``with``, ``close()`` and the SDK's own helpers."""

    def __init__(
        self,
        stream: Any,
        invocation: Invocation,
        finish: FinishStream,
        guard: ChunkGuard | None = None,
        window: int | None = None,
    ) -> None:
        super().__init__(stream)
        self._self_setup(invocation, finish, guard, window, _sync_step(stream))

    def __iter__(self) -> StreamProxy:
        return self

    def __next__(self) -> Any:
        log = self._self_log
        try:
            chunk = log.step()
        except StopIteration:
            self._self_end(None)
            raise
        except BaseException as error:
            self._self_end(error)
            raise
        log.keep(chunk)
        if log.stamp is not None:
            log.stamp(perf_counter())
            if log.first is None:
                log.first_chunk(chunk)
        if log.guard is not None:
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
        self,
        stream: Any,
        invocation: Invocation,
        finish: FinishStream,
        guard: ChunkGuard | None = None,
        window: int | None = None,
    ) -> None:
        super().__init__(stream)
        self._self_setup(invocation, finish, guard, window, _async_step(stream))

    def __aiter__(self) -> AsyncStreamProxy:
        return self

    async def __anext__(self) -> Any:
        log = self._self_log
        try:
            chunk = await log.step()
        except StopAsyncIteration:
            self._self_end(None)
            raise
        except BaseException as error:
            self._self_end(error)
            raise
        log.keep(chunk)
        if log.stamp is not None:
            log.stamp(perf_counter())
            if log.first is None:
                log.first_chunk(chunk)
        if log.guard is not None:
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


class GeneratorStreamProxy(StreamProxy):
    """For SDK streams that are generators (Cohere, Ollama, google-genai): the request is made while
    iterating, so each step runs in the invocation's call context (our span current, nested GenAI and
    HTTP client spans suppressed), as the call itself does."""

    def __next__(self) -> Any:
        token = context.attach(self._self_invocation.call_context())
        try:
            return super().__next__()
        finally:
            context.detach(token)


class AsyncGeneratorStreamProxy(AsyncStreamProxy):
    """The async-generator form of :class:`GeneratorStreamProxy`."""

    async def __anext__(self) -> Any:
        token = context.attach(self._self_invocation.call_context())
        try:
            return await super().__anext__()
        finally:
            context.detach(token)
