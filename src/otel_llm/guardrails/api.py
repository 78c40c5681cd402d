"""Explicit guard APIs (decorator, context manager) and the process-wide active policy."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from otel_llm.guardrails.engine import GuardrailEngine
from otel_llm.guardrails.policy import Policy
from otel_llm.guardrails.results import Source
from otel_llm.telemetry.guarding import set_guard_provider

if TYPE_CHECKING:
    from otel_llm.telemetry.invocation import GenAITelemetry

F = TypeVar("F", bound=Callable[..., Any])

_installed: Policy | None = None
_scoped: ContextVar[Policy | None] = ContextVar("otel_llm_guardrails_scoped", default=None)


def install(policy: Policy) -> None:
    """Make ``policy`` the one instrumentation applies to every LLM call in the process."""
    global _installed
    _installed = policy


def uninstall() -> None:
    """Stop applying the installed policy to instrumented calls."""
    global _installed
    _installed = None


def active_policy() -> Policy | None:
    """The policy for LLM calls made here: the innermost ``guarded`` block's, else the installed one."""
    return _scoped.get() or _installed


def _active_engine(telemetry: GenAITelemetry) -> GuardrailEngine | None:
    policy = active_policy()
    return None if policy is None else policy.engine_for(telemetry)


# Instrumented LLM calls ask the core's guard seam for a guard; it is the active policy's engine.
set_guard_provider(_active_engine)


def _guard_arguments(
    engine: GuardrailEngine, signature: inspect.Signature, args: tuple, kwargs: dict
) -> tuple:
    bound = signature.bind(*args, **kwargs)
    names = [name for name, value in bound.arguments.items() if isinstance(value, str)]
    if names:
        checked = engine.apply([bound.arguments[name] for name in names], Source.INPUT)
        bound.arguments.update(zip(names, checked, strict=True))
    return bound.args, bound.kwargs


def _guard_result(engine: GuardrailEngine, result: Any) -> Any:
    return engine.apply([result], Source.OUTPUT)[0] if isinstance(result, str) else result


def guard(policy: Policy, inputs: bool = True, outputs: bool = True) -> Callable[[F], F]:
    """Decorator: check the function's ``str`` arguments as input and its ``str`` return value as output.

    Redacted values replace the originals; a block raises ``GuardrailViolation`` before the call (input)
    or instead of returning (output). Works on sync and async functions.
    """
    engine = policy.engine

    def decorate(function: F) -> F:
        signature = inspect.signature(function)

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                if inputs:
                    args, kwargs = _guard_arguments(engine, signature, args, kwargs)
                result = await function(*args, **kwargs)
                return _guard_result(engine, result) if outputs else result

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if inputs:
                args, kwargs = _guard_arguments(engine, signature, args, kwargs)
            result = function(*args, **kwargs)
            return _guard_result(engine, result) if outputs else result

        return wrapper  # type: ignore[return-value]

    return decorate


@contextmanager
def guarded(policy: Policy) -> Iterator[GuardrailEngine]:
    """Context manager: ``policy`` applies to instrumented LLM calls made inside the block.

    Scoped to the current thread / asyncio task (a context variable). Yields the engine, so the block
    can also call ``check``/``apply``/``stream`` on it explicitly.
    """
    token = _scoped.set(policy)
    try:
        yield policy.engine
    finally:
        _scoped.reset(token)
