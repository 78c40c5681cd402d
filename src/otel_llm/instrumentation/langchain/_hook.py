"""The machinery behind the LangChain instrumentor: its configure hook and the prebuilt-agent marker.

The handler is registered with LangChain's own configure hook (``register_configure_hook``), so
every run the app starts (``invoke``, ``ainvoke``, ``stream``, ``batch``, graphs, agents, tools,
retrievers) gets it, inherited by its child runs; the app changes nothing. See ``_handler`` for the
mapping of runs onto spans. LangGraph's prebuilt ``create_react_agent`` graphs are marked as agents
by run metadata added when they are built; a legacy ``AgentExecutor`` run is marked as an agent by its
first step.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import wrapt

from otel_llm.instrumentation._frameworks import sdk_instrumented as _sdk_instrumented

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
PREBUILT = "langgraph.prebuilt"  # create_react_agent, also bound in chat_agent_executor
PREBUILT_MODULES = (PREBUILT, f"{PREBUILT}.chat_agent_executor")
# the legacy AgentExecutor: langchain-classic with langchain 1.x, langchain itself before 1.0
EXECUTOR_MODULES = ("langchain_classic.agents.agent", "langchain.agents.agent")
_EXECUTOR_STEPS = ("_iter_next_step", "_aiter_next_step")  # every step of invoke, stream, and their async


def sdk_instrumented(ls_provider: str | None) -> bool:
    """Whether otel-llm currently instruments the SDK behind LangChain provider ``ls_provider``."""
    return _sdk_instrumented(_LS_PROVIDER_SDKS.get(ls_provider or ""))


class _ActiveHandler:
    """What LangChain's configure hook reads (``.get()``, like a ContextVar): our handler when on."""

    handler: Any = None

    def get(self) -> Any:
        return self.handler


ACTIVE = _ActiveHandler()
_hook_registered = False


def register_hook() -> None:
    global _hook_registered
    if not _hook_registered:
        from langchain_core.tracers.context import register_configure_hook

        register_configure_hook(ACTIVE, inheritable=True)  # type: ignore[arg-type]
        _hook_registered = True


def _mark_prebuilt_agent(wrapped: Any, instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    graph = wrapped(*args, **kwargs)
    try:
        from otel_llm.instrumentation.langchain._handler import AGENT_METADATA_KEY

        if ACTIVE.handler is not None:
            return graph.with_config(metadata={AGENT_METADATA_KEY: kwargs.get("name") or graph.get_name()})
    except Exception:
        logger.exception("otel-llm could not mark a prebuilt LangGraph agent")
    return graph


def patch_prebuilt(_package: Any) -> None:
    """Runs inside the app's import statement: it must never raise."""
    try:
        for name in PREBUILT_MODULES:
            module = sys.modules.get(name)
            function = getattr(module, "create_react_agent", None)
            if function is not None and not isinstance(function, wrapt.FunctionWrapper):
                wrapt.wrap_function_wrapper(module, "create_react_agent", _mark_prebuilt_agent)
    except Exception:
        logger.exception("otel-llm could not instrument %s", PREBUILT)


def _mark_executor_run(wrapped: Any, instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    """An AgentExecutor step: its chain run is an agent (before the step's planning model call)."""
    try:
        handler = ACTIVE.handler
        run_manager = kwargs.get("run_manager", args[4] if len(args) > 4 else None)
        run_id = getattr(run_manager, "run_id", None)
        if handler is not None and run_id is not None:
            handler.mark_agent(run_id)
    except Exception:
        logger.exception("otel-llm could not mark an AgentExecutor run")
    return wrapped(*args, **kwargs)


def patch_executor(module: Any) -> None:
    """Runs inside the app's import statement: it must never raise."""
    try:
        executor = getattr(module, "AgentExecutor", None)
        for name in _EXECUTOR_STEPS:
            if executor is not None and not isinstance(executor.__dict__.get(name), wrapt.FunctionWrapper):
                wrapt.wrap_function_wrapper(executor, name, _mark_executor_run)
    except Exception:
        logger.exception("otel-llm could not instrument %s", getattr(module, "__name__", module))


def unpatch_executor() -> None:
    for module_name in EXECUTOR_MODULES:
        executor = getattr(sys.modules.get(module_name), "AgentExecutor", None)
        for name in _EXECUTOR_STEPS:
            method = executor.__dict__.get(name) if executor is not None else None
            if isinstance(method, wrapt.FunctionWrapper):
                setattr(executor, name, method.__wrapped__)


def unpatch_prebuilt() -> None:
    for name in PREBUILT_MODULES:
        module = sys.modules.get(name)
        function = getattr(module, "create_react_agent", None)
        if isinstance(function, wrapt.FunctionWrapper):
            module.create_react_agent = function.__wrapped__  # type: ignore[union-attr]
