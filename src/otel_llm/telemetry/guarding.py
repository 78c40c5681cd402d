"""The seam through which guardrails act on instrumented calls: check, redact or block texts.

The core knows no detector. A guard provider (``otel_llm.guardrails`` registers one when imported)
returns the :class:`Guard` for the current call, or ``None``; with none, instrumented calls pay one
function call. A provider mapping says where a call's texts are with a :class:`TextMapping`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from opentelemetry import context
from opentelemetry.context import Context

if TYPE_CHECKING:
    from otel_llm.telemetry.invocation import GenAITelemetry

logger = logging.getLogger(__name__)


class GuardrailBlock(Exception):
    """The base of the exceptions a guard raises to block a call: they reach the app; any other
    exception out of a guard is an otel-llm bug, logged, and the call goes ahead."""


class StreamFilter(Protocol):
    def feed(self, delta: str) -> str:
        """Take a delta; return the text that may be released now (possibly redacted, possibly empty)."""

    def finish(self) -> str:
        """The rest of the text, once the stream ended; may raise to block."""


class Guard(Protocol):
    def apply(self, texts: Sequence[str], source: str) -> list[str]:
        """The texts to pass on for ``source`` ("input" or "output"); raises to block."""

    def stream(self, source: str) -> StreamFilter: ...


@dataclass(frozen=True)
class TextMapping:
    """Where one SDK operation carries text, for reading and for writing back."""

    input_texts: Callable[[dict[str, Any]], list[str]]
    with_input_texts: Callable[[dict[str, Any], list[str]], dict[str, Any]]
    """New call kwargs with the texts replaced (the user's objects are never mutated)."""
    output_texts: Callable[[Any], list[str]]
    set_output_texts: Callable[[Any, list[str]], None]
    chunk_texts: Callable[[Any], list[tuple[int, str, bool]]] | None = None
    """``(channel, delta, last)`` per channel (choice) in a chunk; ``last`` marks its final chunk."""
    set_chunk_text: Callable[[Any, int, str], None] | None = None
    tails: Callable[[], Callable[[Any], Any]] | None = None
    """For streams whose channels end with an event that has no text: makes, per stream, the function
    that returns the empty text event to put before a given event (or ``None``); see
    ``otel_llm.telemetry.texts.tailed``."""


GuardProvider = Callable[["GenAITelemetry"], "Guard | None"]
"""``provider(telemetry)``: the guard of the current call, whose checks record through ``telemetry``."""
_provider: GuardProvider | None = None


def set_guard_provider(provider: GuardProvider | None) -> None:
    global _provider
    _provider = provider


def current_guard(telemetry: GenAITelemetry) -> Guard | None:
    return None if _provider is None else _provider(telemetry)


def _read(read: Callable[[Any], list[str]], value: Any) -> list[str]:
    """Texts to check; a mapping that cannot read them (our bug) lets the call go ahead unchecked."""
    try:
        return read(value)
    except Exception:
        logger.exception("otel-llm could not read the texts of a call for guardrails; not checked")
        return []


def guard_input(
    guard: Guard,
    mapping: TextMapping,
    kwargs: dict[str, Any],
    on_change: Callable[[list[str], list[str]], None] | None = None,
) -> dict[str, Any]:
    """The call's kwargs after the input checks; the guard's block exception propagates to the app.

    If redacted texts cannot be written back, the error propagates too: unredacted text is never sent.
    ``on_change(texts, checked)`` is told of changed texts (so that recorded content matches what is sent).
    """
    texts = _read(mapping.input_texts, kwargs)
    if not texts:
        return kwargs
    checked = guard.apply(texts, "input")
    if checked == texts:
        return kwargs
    redacted = mapping.with_input_texts(kwargs, checked)
    if on_change is not None:
        try:
            on_change(texts, checked)
        except Exception:
            logger.exception("otel-llm could not redact the recorded input content")
    return redacted


def refusal_of(error: BaseException) -> str | None:
    """The refusal a guard's block carries when the call is to be answered instead of failed."""
    response = getattr(error, "response", None)
    return response if isinstance(response, str) else None


def guard_output(guard: Guard, mapping: TextMapping, response: Any) -> None:
    """Check the response's texts; redact them in place, or put a ``respond`` rule's refusal in the
    first text (the others emptied). A block propagates."""
    texts = _read(mapping.output_texts, response)
    if texts:
        try:
            checked = guard.apply(texts, "output")
        except Exception as error:
            refusal = refusal_of(error)
            if refusal is None:
                raise
            checked = [refusal] + [""] * (len(texts) - 1)
        if checked != texts:
            mapping.set_output_texts(response, checked)


class ChunkGuard:
    """Filters each chunk's text in place, through one stream filter per channel (choice).

    A channel's held-back tail is released into its last chunk (the one with its finish reason), so
    the texts the app reads add up to the filtered whole. A stream that ends without its last chunk
    drops the unreleased tail rather than release unchecked text.
    """

    def __init__(self, guard: Guard, mapping: TextMapping, call_context: Context) -> None:
        self._guard = guard
        self._mapping = mapping
        self._context = call_context  # checks run here, so their spans are children of the call's
        self._filters: dict[int, StreamFilter] = {}

    def filter(self, chunk: Any) -> None:
        token = context.attach(self._context)
        try:
            self._filter(chunk)
        finally:
            context.detach(token)

    def _filter(self, chunk: Any) -> None:
        """Guard errors never reach the app: a chunk whose texts cannot be read or written back passes
        as it came (fail open; logged). Only the guard's own block exceptions propagate."""
        try:
            channels = self._mapping.chunk_texts(chunk)  # type: ignore[misc]
        except Exception:
            logger.exception("otel-llm could not read a stream chunk's texts for guardrails; not checked")
            return
        for channel, delta, last in channels:
            text = delta if isinstance(delta, str) else ""  # an SDK may accept other values: no text
            stream = self._filters.get(channel)
            if stream is None:
                stream = self._filters[channel] = self._guard.stream("output")
            released = stream.feed(text) if text else ""
            if last:
                released += stream.finish()
                del self._filters[channel]
            if released != text:
                try:
                    self._mapping.set_chunk_text(chunk, channel, released)  # type: ignore[misc]
                except Exception:
                    logger.exception("otel-llm could not write a stream chunk's checked text; passed as is")

    def close(self) -> None:
        """The stream ended early: finish the open filters (their checks are recorded), drop their tails."""
        filters, self._filters = self._filters, {}
        token = context.attach(self._context)
        try:
            for stream in filters.values():
                stream.finish()
        finally:
            context.detach(token)
