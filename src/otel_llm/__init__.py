"""otel-llm: LLMOps for Python, native to OpenTelemetry.

``otel_llm.instrument()`` instruments every supported LLM SDK that is installed, configuring the
OTel SDK from the standard ``OTEL_*`` variables first if the app has not configured it.
``otel_llm.record_feedback(...)`` records a user's verdict on a response beside its trace;
``otel_llm.feedback_token(...)`` gives a page a string to send back with it, from any process.
"""

from __future__ import annotations

__version__ = "0.1.0"

from otel_llm._instrument import Instrumentation, instrument
from otel_llm.evaluation.feedback import feedback_token, record_feedback

__all__ = ["Instrumentation", "__version__", "feedback_token", "instrument", "record_feedback"]
