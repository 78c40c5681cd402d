"""LangChain and LangGraph instrumentation: one callback handler added to every run.

The handler is registered with LangChain's own configure hook (``register_configure_hook``), so
every run the app starts (``invoke``, ``ainvoke``, ``stream``, ``batch``, graphs, agents, tools,
retrievers) gets it, inherited by its child runs; the app changes nothing. See ``_handler`` for the
mapping of runs onto spans. LangGraph's prebuilt ``create_react_agent`` graphs are marked as agents
by run metadata added when they are built.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

import wrapt

from otel_llm.instrumentation._base import GenAIInstrumentor
from otel_llm.instrumentation._frameworks import sdk_instrumented as _sdk_instrumented
from otel_llm.instrumentation._wrapping import Patch

logger = logging.getLogger(__name__)

# ls_provider -> the SDK that LangChain's integration calls, where otel-llm has an instrumentor for it.
# With that instrumentor on, the SDK's CLIENT span is the model span; for every other provider the
# handler emits it (and suppresses any GenAI instrumentation beneath, so a call is never counted twice).
_LS_PROVIDER_SDKS = {
    "openai": "openai",
    "azure": "openai",
    "anthropic": "anthropic",
    "groq": "groq",
    "ollama": "ollama",
}
_PREBUILT = "langgraph.prebuilt"  # create_react_agent, also bound in chat_agent_executor
_PREBUILT_MODULES = (_PREBUILT, f"{_PREBUILT}.chat_agent_executor")


def sdk_instrumented(ls_provider: str | None) -> bool:
    """Whether otel-llm currently instruments the SDK behind LangChain provider ``ls_provider``."""
    return _sdk_instrumented(_LS_PROVIDER_SDKS.get(ls_provider or ""))


class _ActiveHandler:
    """What LangChain's configure hook reads (``.get()``, like a ContextVar): our handler when on."""

    handler: Any = None

    def get(self) -> Any:
        return self.handler


_ACTIVE = _ActiveHandler()
_hook_registered = False


def _register_hook() -> None:
    global _hook_registered
    if not _hook_registered:
        from langchain_core.tracers.context import register_configure_hook

        register_configure_hook(_ACTIVE, inheritable=True)  # type: ignore[arg-type]
        _hook_registered = True


def _mark_prebuilt_agent(wrapped: Any, instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    graph = wrapped(*args, **kwargs)
    try:
        from otel_llm.instrumentation.langchain._handler import AGENT_METADATA_KEY

        if _ACTIVE.handler is not None:
            return graph.with_config(metadata={AGENT_METADATA_KEY: kwargs.get("name") or graph.get_name()})
    except Exception:
        logger.exception("otel-llm could not mark a prebuilt LangGraph agent")
    return graph


class LangChainInstrumentor(GenAIInstrumentor):
    """LangChain (``langchain-core``) and LangGraph runs as agent, workflow, tool, retrieval, model spans."""

    requirements = ("langchain-core >= 0.3.0, < 2",)

    def patches(self) -> Sequence[Patch]:
        return ()

    def sdk_package(self) -> str | None:
        return "langchain_core"

    def _instrument(self, **kwargs: Any) -> None:
        super()._instrument(**kwargs)  # the shared telemetry
        from otel_llm.instrumentation.langchain._handler import OtelLLMCallbackHandler

        _register_hook()
        _ACTIVE.handler = OtelLLMCallbackHandler(self.telemetry, sdk_instrumented)
        wrapt.register_post_import_hook(_patch_prebuilt, _PREBUILT)

    def _uninstrument(self, **kwargs: Any) -> None:
        super()._uninstrument(**kwargs)
        _ACTIVE.handler = None
        for name in _PREBUILT_MODULES:
            module = sys.modules.get(name)
            function = getattr(module, "create_react_agent", None)
            if isinstance(function, wrapt.FunctionWrapper):
                module.create_react_agent = function.__wrapped__


def _patch_prebuilt(_package: Any) -> None:
    """Runs inside the app's import statement: it must never raise."""
    try:
        for name in _PREBUILT_MODULES:
            module = sys.modules.get(name)
            function = getattr(module, "create_react_agent", None)
            if function is not None and not isinstance(function, wrapt.FunctionWrapper):
                wrapt.wrap_function_wrapper(module, "create_react_agent", _mark_prebuilt_agent)
    except Exception:
        logger.exception("otel-llm could not instrument %s", _PREBUILT)


__all__ = ["LangChainInstrumentor", "sdk_instrumented"]
