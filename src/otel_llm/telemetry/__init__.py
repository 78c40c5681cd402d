"""The provider-agnostic core: one telemetry configuration
(:class:`~otel_llm.telemetry.invocation.GenAITelemetry`), the lifecycle of one operation
(:class:`~otel_llm.telemetry.invocation.Invocation`), stream proxies, content capture, prices, and the
seam guardrails act through. It knows no SDK, format or detector."""
