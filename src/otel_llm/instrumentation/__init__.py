"""Auto-instrumentors for LLM client SDKs, each a thin mapping onto :mod:`otel_llm.telemetry`."""
