"""Pydantic AI instrumentation: agent runs and tool calls over our providers' model-call spans.

Every ``Agent.iter`` run (``run``, ``run_sync``, ``run_stream`` and ``iter`` itself all go through it)
gets :class:`~otel_llm.instrumentation.pydantic_ai._capability.OTelLLMCapability` added to its
per-run ``capabilities``: Pydantic AI's public extension point, so the app's agents are unchanged.
Pydantic AI's own OpenTelemetry instrumentation stays as the app configured it (off by default); see
``docs/agents.md`` for what to switch on.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from otel_llm.instrumentation._framework import FrameworkInstrumentor, Hook, Wrapper
from otel_llm.telemetry.invocation import GenAITelemetry


def _iter_wrapper(telemetry: GenAITelemetry) -> Wrapper:
    from pydantic_ai.agent import Agent

    from otel_llm.instrumentation.pydantic_ai._capability import OTelLLMCapability

    if (
        "capabilities" not in inspect.signature(Agent.iter).parameters
    ):  # a version without per-run capabilities
        raise AttributeError("Agent.iter takes no capabilities")  # the hook is skipped, the app unchanged

    capability = OTelLLMCapability(telemetry=telemetry)

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        capabilities = kwargs.get("capabilities")
        kwargs["capabilities"] = [*(capabilities or ()), capability]
        return wrapped(*args, **kwargs)

    return wrapper


class PydanticAIInstrumentor(FrameworkInstrumentor):
    requirements = ("pydantic-ai-slim >= 2.0",)
    package = "pydantic_ai"

    def hooks(self) -> Sequence[Hook]:
        return (Hook("pydantic_ai.agent", "Agent.iter", _iter_wrapper),)


__all__ = ["PydanticAIInstrumentor"]
