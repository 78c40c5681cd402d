"""otel-llm: LLMOps for Python, native to OpenTelemetry.

``otel_llm.instrument()`` instruments every supported LLM SDK that is installed, configuring the
OTel SDK from the standard ``OTEL_*`` variables first if the app has not configured it.
``otel_llm.prompt(name, version)`` tags the model calls beneath it with their prompt template.
``otel_llm.record_feedback(...)`` records a user's verdict on a response beside its trace.
"""

from __future__ import annotations

__version__ = "0.1.0"

from otel_llm._instrument import Instrumentation, instrument
from otel_llm.evaluation.feedback import record_feedback
from otel_llm.telemetry.prompts import prompt

__all__ = ["Instrumentation", "__version__", "instrument", "prompt", "record_feedback"]
