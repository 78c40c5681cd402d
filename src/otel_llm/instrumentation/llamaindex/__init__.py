"""LlamaIndex instrumentation: a span handler and an event handler on the root dispatcher.

LlamaIndex reports its own spans (every ``@dispatcher.span`` method: query engines, retrievers,
agents, workflow steps, tools, LLM and embedding calls) and events (LLM, embedding, retrieval) to the
handlers of its root dispatcher; ours map them onto the core (see ``_handlers``). The app changes nothing.
"""

from __future__ import annotations

from typing import Any

from otel_llm.instrumentation._base import GenAIInstrumentor, Patches


class LlamaIndexInstrumentor(GenAIInstrumentor):
    """LlamaIndex query engines, retrievers, embeddings, agents, agent workflows and tools."""

    requirements = ("llama-index-core >= 0.12.0, < 0.15",)
    _handlers: tuple[Any, Any] | None = None

    def patches(self) -> Patches:
        return ()

    def sdk_package(self) -> str | None:
        return "llama_index.core"

    def _instrument(self, **kwargs: Any) -> None:
        super()._instrument(**kwargs)  # the shared telemetry
        from llama_index.core.instrumentation import get_dispatcher

        from otel_llm.instrumentation.llamaindex._handlers import EventHandler, SpanHandler

        assert self.telemetry is not None  # set by super()._instrument
        spans = SpanHandler(self.telemetry)
        events = EventHandler(spans)
        dispatcher = get_dispatcher()
        dispatcher.add_span_handler(spans)
        dispatcher.add_event_handler(events)
        self._handlers = (spans, events)

    def _uninstrument(self, **kwargs: Any) -> None:
        super()._uninstrument(**kwargs)
        if self._handlers is None:
            return
        from llama_index.core.instrumentation import get_dispatcher

        dispatcher = get_dispatcher()
        spans, events = self._handlers
        dispatcher.span_handlers[:] = [h for h in dispatcher.span_handlers if h is not spans]
        dispatcher.event_handlers[:] = [h for h in dispatcher.event_handlers if h is not events]
        self._handlers = None


__all__ = ["LlamaIndexInstrumentor"]
