"""Helpers for testing telemetry produced with otel-llm."""
