"""``server.address`` and ``server.port`` from a client's base URL, and starting an invocation there."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from otel_llm.telemetry.invocation import GenAITelemetry, Invocation

_DEFAULT_PORTS = {"https": 443, "http": 80}


def host_and_port(base_url: Any) -> tuple[str | None, int | None]:
    """Host and port of a URL (a string or an httpx URL); the scheme's default port when none is given."""
    if not base_url:
        return None, None
    url = urlsplit(str(base_url))
    return url.hostname, url.port or _DEFAULT_PORTS.get(url.scheme)


def start_at(
    telemetry: GenAITelemetry,
    base_url: Any,
    operation: str,
    provider: str,
    model: str | None,
    attributes: dict[str, Any],
    stream: bool = False,
) -> Invocation | None:
    """Start an invocation against the endpoint at ``base_url`` (its host and port as ``server.*``)."""
    address, port = host_and_port(base_url)
    return telemetry.start(operation, provider, model, address, port, attributes, stream)
