"""The base of agent-framework instrumentors: hooks that wrap framework methods around the core operations.

Provider instrumentors describe model calls with :class:`~otel_llm.instrumentation._wrapping.Operation` s.
Agent frameworks instead run agents, tools and handoffs around those calls: their instrumentors list
:class:`Hook` s (a method and a factory of its wrapt wrapper) and may register framework callbacks in
:meth:`FrameworkInstrumentor.attach`. Patching waits for the framework's import, as for the SDKs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import wrapt
from opentelemetry import context

from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.instrumentation._wrapping import Patch, remove_patches
from otel_llm.telemetry.invocation import GenAITelemetry
from otel_llm.telemetry.operations import Operation

logger = logging.getLogger(__name__)

Wrapper = Callable[[Callable[..., Any], Any, tuple, dict[str, Any]], Any]


@dataclass(frozen=True)
class Hook:
    module: str
    method: str  # "Class.method" or a module-level function
    wrapper: Callable[[GenAITelemetry], Wrapper]


class FrameworkInstrumentor(GenAIInstrumentor):
    """Subclasses name ``package`` (the framework's import package), ``requirements`` and ``hooks()``."""

    package: str = ""
    _hooked: Sequence[Hook] = ()

    def patches(self) -> Sequence[Patch]:
        return ()

    def sdk_package(self) -> str | None:
        return self.package

    def hooks(self) -> Sequence[Hook]:
        return ()

    def attach(self, telemetry: GenAITelemetry) -> None:
        """Register framework callbacks (the framework is imported); the default registers none."""

    def detach(self) -> None:
        """Undo :meth:`attach`."""

    def _instrument(self, **kwargs: Any) -> None:
        super()._instrument(**kwargs)
        telemetry: GenAITelemetry = self.telemetry  # type: ignore[assignment]
        hooked = []
        for hook in self.hooks():
            try:
                wrapt.wrap_function_wrapper(hook.module, hook.method, hook.wrapper(telemetry))
                hooked.append(hook)
            except (ImportError, AttributeError):
                logger.debug("%s.%s is not in this version; not instrumented", hook.module, hook.method)
        self._hooked = tuple(hooked)
        try:
            self.attach(telemetry)
        except Exception:
            logger.exception("otel-llm could not attach to %s", self.package)

    def _uninstrument(self, **kwargs: Any) -> None:
        super()._uninstrument(**kwargs)
        self.detach()
        remove_patches(self._hooked)  # hooks name their module and method as patches do
        self._hooked = ()


def call_within(operation: Operation | None, call: Callable[[], Any]) -> Any:
    """``call()`` with ``operation`` current, ending it with the outcome; the result is unchanged."""
    if operation is None:
        return call()
    token = context.attach(operation.context())
    try:
        result = call()
    except BaseException as error:
        operation.fail(error)
        raise
    finally:
        context.detach(token)
    operation.end()
    return result


async def await_within(operation: Operation | None, call: Callable[[], Any]) -> Any:
    """:func:`call_within` for a ``call`` returning an awaitable."""
    if operation is None:
        return await call()
    token = context.attach(operation.context())
    try:
        result = await call()
    except BaseException as error:
        operation.fail(error)
        raise
    finally:
        context.detach(token)
    operation.end()
    return result


def iterate_within(operation: Operation | None, steps: Iterator[Any]) -> Iterator[Any]:
    """The framework's step generator with ``operation`` current while each step runs; the operation ends
    when the steps run out, fail, or the app stops reading (a close is not a failure)."""
    if operation is None:
        yield from steps
        return
    try:
        while True:
            token = context.attach(operation.context())
            try:
                step = next(steps)
            except StopIteration:
                break
            finally:
                context.detach(token)
            yield step
    except GeneratorExit:
        close = getattr(steps, "close", None)
        if close is not None:
            close()
        operation.end()
        raise
    except BaseException as error:
        operation.fail(error)
        raise
    operation.end()
