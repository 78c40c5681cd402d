"""The ``Agent.iter`` wrapper that adds our capability to each run (loaded by ``hooks()``)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from otel_llm.instrumentation._framework import Wrapper
from otel_llm.telemetry.invocation import GenAITelemetry


def iter_wrapper(telemetry: GenAITelemetry) -> Wrapper:
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
