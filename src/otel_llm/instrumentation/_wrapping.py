"""Patching shared by every instrumentor: wrap SDK methods so a provider only writes its mapping.

A provider describes each method it instruments with an :class:`Operation` (how to start the
invocation from the call's arguments, how to read a response, how to read a finished stream's
chunks) and lists them as :class:`Patch` entries. This module does the rest: wrapt patching,
unpatching, running the call inside our span's context, stream proxies, and the do-no-harm rule:
our own errors are logged, the SDK's results and exceptions pass through untouched.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import wrapt
from opentelemetry import context
from opentelemetry.instrumentation.utils import unwrap

from otel_llm.telemetry.invocation import GenAITelemetry, Invocation
from otel_llm.telemetry.streams import AsyncStreamProxy, StreamProxy

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Operation:
    """How one SDK method maps onto the core."""

    start: Callable[[GenAITelemetry, Any, dict[str, Any]], Invocation | None]
    """``start(telemetry, instance, kwargs)``: start the invocation for this call (or ``None``)."""
    on_response: Callable[[Invocation, Any], None]
    """Read a non-streamed response into the invocation."""
    finish_stream: Callable[[Invocation, list[Any]], None] | None = None
    """Read the chunks of a finished stream into the invocation."""


@dataclass(frozen=True)
class Patch:
    module: str
    method: str  # "Class.method"
    operation: Operation
    is_async: bool = False


def _start(telemetry: GenAITelemetry, operation: Operation, instance: Any, kwargs: dict[str, Any]):
    try:
        return operation.start(telemetry, instance, kwargs)
    except Exception:
        logger.exception("otel-llm failed to start a span; the call goes ahead untraced")
        return None


def _complete(invocation: Invocation, operation: Operation, result: Any, proxy: type | None) -> Any:
    """End the invocation from a response, or hand back a stream proxy that will end it."""
    try:
        if proxy is not None and invocation.stream and operation.finish_stream is not None:
            return proxy(result, invocation, operation.finish_stream)
        operation.on_response(invocation, result)
    except Exception:
        logger.exception("otel-llm failed to read a response")
    invocation.end()
    return result


def sync_wrapper(telemetry: GenAITelemetry, operation: Operation) -> Callable[..., Any]:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        invocation = _start(telemetry, operation, instance, kwargs)
        if invocation is None:
            return wrapped(*args, **kwargs)
        token = context.attach(invocation.call_context())
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as error:
            invocation.fail(error)
            raise
        finally:
            context.detach(token)
        proxy = StreamProxy if hasattr(result, "__next__") else None
        return _complete(invocation, operation, result, proxy)

    return wrapper


def async_wrapper(telemetry: GenAITelemetry, operation: Operation) -> Callable[..., Any]:
    async def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        invocation = _start(telemetry, operation, instance, kwargs)
        if invocation is None:
            return await wrapped(*args, **kwargs)
        token = context.attach(invocation.call_context())
        try:
            result = await wrapped(*args, **kwargs)
        except BaseException as error:
            invocation.fail(error)
            raise
        finally:
            context.detach(token)
        proxy = AsyncStreamProxy if hasattr(result, "__anext__") else None
        return _complete(invocation, operation, result, proxy)

    return wrapper


def apply_patches(telemetry: GenAITelemetry, patches: Sequence[Patch]) -> list[Patch]:
    """Wrap every method that exists in the installed SDK version; return the ones applied."""
    applied = []
    for patch in patches:
        try:
            module = importlib.import_module(patch.module)
            make = async_wrapper if patch.is_async else sync_wrapper
            wrapt.wrap_function_wrapper(module, patch.method, make(telemetry, patch.operation))
        except (ImportError, AttributeError):
            logger.debug("%s.%s is not in this SDK version; not instrumented", patch.module, patch.method)
            continue
        applied.append(patch)
    return applied


def remove_patches(patches: Sequence[Patch]) -> None:
    for patch in patches:
        owner_name, method = patch.method.rsplit(".", 1)
        try:
            owner: Any = importlib.import_module(patch.module)
            for part in owner_name.split("."):
                owner = getattr(owner, part)
            unwrap(owner, method)
        except (ImportError, AttributeError):
            logger.debug("could not unwrap %s.%s", patch.module, patch.method)
