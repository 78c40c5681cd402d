"""LangChain and LangGraph instrumentation: one callback handler added to every run.

The handler is registered with LangChain's own configure hook (``register_configure_hook``), so
every run the app starts (``invoke``, ``ainvoke``, ``stream``, ``batch``, graphs, agents, tools,
retrievers) gets it, inherited by its child runs; the app changes nothing. See ``_handler`` for the
mapping of runs onto spans. LangGraph's prebuilt ``create_react_agent`` graphs are marked as agents
by run metadata added when they are built; a legacy ``AgentExecutor`` run (langchain-classic) is marked
as an agent by its first step.
"""

from __future__ import annotations

from typing import Any

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches


class LangChainInstrumentor(GenAIInstrumentor):
    """LangChain (``langchain-core``) and LangGraph runs as agent, workflow, tool, retrieval, model spans."""

    requirements = ("langchain-core >= 0.3.0, < 2",)

    def patches(self) -> Patches:
        return ()

    def sdk_package(self) -> str | None:
        return "langchain_core"

    def _instrument(self, **kwargs: Any) -> None:
        super()._instrument(**kwargs)  # the shared telemetry
        import wrapt

        from otel_llm.instrumentation.langchain import _hook
        from otel_llm.instrumentation.langchain._handler import OtelLLMCallbackHandler

        _hook.register_hook()
        assert self.telemetry is not None  # set by super()._instrument
        _hook.ACTIVE.handler = OtelLLMCallbackHandler(self.telemetry, _hook.sdk_instrumented)
        wrapt.register_post_import_hook(_hook.patch_prebuilt, _hook.PREBUILT)
        for module in _hook.EXECUTOR_MODULES:
            wrapt.register_post_import_hook(_hook.patch_executor, module)

    def _uninstrument(self, **kwargs: Any) -> None:
        super()._uninstrument(**kwargs)
        from otel_llm.instrumentation.langchain import _hook

        _hook.ACTIVE.handler = None
        _hook.unpatch_prebuilt()
        _hook.unpatch_executor()


def sdk_instrumented(ls_provider: str | None) -> bool:
    """Whether otel-llm currently instruments the SDK behind LangChain provider ``ls_provider``."""
    from otel_llm.instrumentation.langchain._hook import sdk_instrumented as instrumented

    return instrumented(ls_provider)


__all__ = ["LangChainInstrumentor", "sdk_instrumented"]
