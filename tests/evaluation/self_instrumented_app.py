"""The sample app as an app that instruments itself at start-up (what ``otel_llm.instrument()`` does)."""

from otel_llm.instrumentation.openai import OpenAIInstrumentor

from .eval_app import answer

OpenAIInstrumentor().instrument()

__all__ = ["answer"]
