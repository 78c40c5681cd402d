"""otel-llm: LLMOps for Python, native to OpenTelemetry.

``otel_llm.instrument()`` instruments every supported LLM SDK that is installed, configuring the
OTel SDK from the standard ``OTEL_*`` variables first if the app has not configured it.
``otel_llm.prompt(name, version)`` tags the model calls beneath it with their prompt template.
``otel_llm.record_feedback(...)`` records a user's verdict on a response beside its trace.
``with otel_llm.conversation(id):`` sets ``gen_ai.conversation.id`` on every GenAI span beneath.

The root imports nothing else until one of these names is used: importing an instrumentor
(``otel_llm.instrumentation.openai``) does not load the OTel SDK setup or the evaluation package.
``otel_llm.record_feedback(...)`` records a user's verdict on a response beside its trace;
``otel_llm.feedback_token(...)`` gives a page a string to send back with it, from any process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from otel_llm._version import __version__

if TYPE_CHECKING:
    from otel_llm._instrument import Instrumentation, instrument
    from otel_llm.evaluation.feedback import feedback_token, record_feedback
    from otel_llm.telemetry.conversation import conversation
    from otel_llm.telemetry.prompts import prompt

__all__ = [
    "Instrumentation",
    "__version__",
    "conversation",
    "feedback_token",
    "instrument",
    "prompt",
    "record_feedback",
]

_LAZY = {
    "Instrumentation": "otel_llm._instrument",
    "instrument": "otel_llm._instrument",
    "record_feedback": "otel_llm.evaluation.feedback",
    "feedback_token": "otel_llm.evaluation.feedback",
    "conversation": "otel_llm.telemetry.conversation",
    "prompt": "otel_llm.telemetry.prompts",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'otel_llm' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
