"""Pydantic AI instrumentation: agent runs and tool calls over our providers' model-call spans.

Every ``Agent.iter`` run (``run``, ``run_sync``, ``run_stream`` and ``iter`` itself all go through it)
gets :class:`~otel_llm.instrumentation.pydantic_ai._capability.OTelLLMCapability` added to its
per-run ``capabilities``: Pydantic AI's public extension point, so the app's agents are unchanged.
Pydantic AI's own OpenTelemetry instrumentation stays as the app configured it (off by default); see
``docs/agents.md`` for what to switch on.
"""

from __future__ import annotations

from collections.abc import Sequence

from otel_llm.instrumentation._framework import FrameworkInstrumentor, Hook


class PydanticAIInstrumentor(FrameworkInstrumentor):
    requirements = ("pydantic-ai-slim >= 2.0",)
    package = "pydantic_ai"

    def hooks(self) -> Sequence[Hook]:
        from otel_llm.instrumentation.pydantic_ai._hooks import iter_wrapper

        return (Hook("pydantic_ai.agent", "Agent.iter", iter_wrapper),)


__all__ = ["PydanticAIInstrumentor"]
