"""MCP instrumentation for the ``mcp`` Python SDK, 2.x and (``_v1``) 1.x from 1.25: client and server spans.

Client: a CLIENT span ``{mcp.method.name} {target}`` per request (``JSONRPCDispatcher.send_raw_request``)
with the session's transport, session id and protocol version; its W3C trace context travels in the
request's ``params._meta`` (``traceparent``/``tracestate``, SEP-414). Server: a SERVER span per inbound
message, a child of that context. Both record the MCP operation and session duration histograms.
The SDK's built-in spans are replaced by ours while instrumented (never two spans per message).
"""

from __future__ import annotations

import importlib.util
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

import wrapt

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches

if TYPE_CHECKING:
    from otel_llm.instrumentation.mcp._patches import Wrapper

logger = logging.getLogger(__name__)


class MCPInstrumentor(GenAIInstrumentor):
    """Instruments the ``mcp`` SDK's clients and servers (stdio and streamable HTTP)."""

    requirements = ("mcp >= 1.25",)
    _wrapped: tuple[tuple[str, str], ...] = ()

    def patches(self) -> Patches:
        return ()

    def sdk_package(self) -> str | None:
        return "mcp" if importlib.util.find_spec("mcp") is not None else None

    def _instrument(self, **kwargs: Any) -> None:
        super()._instrument(**kwargs)
        from otel_llm.instrumentation.mcp._patches import wrappers

        generation = self._generation
        self._wrapped = ()
        for module, attribute, wrapper in wrappers(self.telemetry):  # type: ignore[arg-type]
            hook = partial(self._wrap_on_import, generation, attribute, wrapper)
            wrapt.register_post_import_hook(hook, module)

    def _wrap_on_import(self, generation: Any, attribute: str, wrapper: Wrapper, module: Any) -> None:
        """Runs inside the app's import statement: it must never raise."""
        if generation is not self._generation:
            return
        try:
            wrapt.wrap_function_wrapper(module, attribute, wrapper)
            self._wrapped = (*self._wrapped, (module.__name__, attribute))
        except Exception:
            logger.exception("otel-llm could not instrument %s.%s", module.__name__, attribute)

    def _uninstrument(self, **kwargs: Any) -> None:
        super()._uninstrument(**kwargs)
        from otel_llm.instrumentation._wrapping import unwrap_attribute

        for module, attribute in self._wrapped:
            unwrap_attribute(module, attribute)
        self._wrapped = ()


__all__ = ["MCPInstrumentor"]
