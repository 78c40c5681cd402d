"""Run a function (sync or async) with an OTel context attached for each call, restored after it."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from opentelemetry import context
from opentelemetry.context import Context

F = TypeVar("F", bound=Callable[..., Any])


def in_context(function: F, make_context: Callable[[], Context]) -> F:
    """``function`` wrapped so that each call runs in ``make_context()`` (built at call time)."""
    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            token = context.attach(make_context())
            try:
                return await function(*args, **kwargs)
            finally:
                context.detach(token)

        return run_async  # type: ignore[return-value]

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        token = context.attach(make_context())
        try:
            return function(*args, **kwargs)
        finally:
            context.detach(token)

    return run  # type: ignore[return-value]
