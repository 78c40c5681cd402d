"""Ending spans without breaking the app: span processors are the app's (or an exporter's) code."""

from __future__ import annotations

import logging

from opentelemetry import trace

logger = logging.getLogger(__name__)


def end_span(span: trace.Span) -> None:
    """End ``span``; a span processor that raises in ``on_end`` is logged, not raised into the call."""
    try:
        span.end()
    except Exception:
        logger.exception("a span processor failed to end an otel-llm span")
