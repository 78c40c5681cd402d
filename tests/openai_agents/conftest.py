from __future__ import annotations

import pytest

agents = pytest.importorskip("agents")

from agents.tracing import TracingProcessor  # noqa: E402

from otel_llm.instrumentation.openai_agents import OpenAIAgentsInstrumentor  # noqa: E402
from tests.agent_trees import framework_fixture  # noqa: E402


class AppProcessor(TracingProcessor):
    """The app's own processor (in place of the SDK's platform export, which would leave loopback)."""

    def __init__(self) -> None:
        self.ended: list = []

    def on_trace_start(self, trace) -> None:
        pass

    def on_trace_end(self, trace) -> None:
        self.ended.append(trace)

    def on_span_start(self, span) -> None:
        pass

    def on_span_end(self, span) -> None:
        self.ended.append(span)

    def shutdown(self) -> None:
        pass

    def force_flush(self) -> None:
        pass


APP_PROCESSOR = AppProcessor()
agents.set_trace_processors([APP_PROCESSOR])


@pytest.fixture
def app_processor() -> AppProcessor:
    APP_PROCESSOR.ended.clear()
    return APP_PROCESSOR


instrument = framework_fixture(OpenAIAgentsInstrumentor)
