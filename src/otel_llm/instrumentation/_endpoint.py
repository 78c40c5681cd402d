"""Starting the invocation of one SDK call: the endpoint from the client, the request read by its
format, the content only when it is captured."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from otel_llm.telemetry.invocation import GenAITelemetry, Invocation

_DEFAULT_PORTS = {"https": 443, "http": 80}


def host_and_port(base_url: Any) -> tuple[str | None, int | None]:
    """Host and port of a URL (a string or an httpx URL); the scheme's default port when none is given."""
    if not base_url:
        return None, None
    if not isinstance(base_url, str) and hasattr(base_url, "host"):  # an httpx URL: already parsed
        return base_url.host, base_url.port or _DEFAULT_PORTS.get(base_url.scheme)
    url = urlsplit(str(base_url))
    return url.hostname, url.port or _DEFAULT_PORTS.get(url.scheme)


Endpoint = Callable[[Any], tuple[str, Any]]
"""``endpoint(instance) -> (provider name, base URL)``: what an SDK's client says of where it calls."""
Start = Callable[[GenAITelemetry, Any, dict[str, Any]], Invocation | None]


def starter(
    endpoint: Endpoint,
    operation: str,
    attributes: Callable[[dict[str, Any]], dict[str, Any]],
    content: Callable[[dict[str, Any]], tuple[Any, Any, Any]] | None = None,
    *,
    stream: bool | None = None,
    model: Callable[[Any], str | None] | None = None,
) -> Start:
    """The ``Operation.start`` of an SDK method: ``attributes(kwargs)`` are the request attributes its
    format reads, ``content(kwargs)`` its input content (read only when captured). ``stream``: whether
    it streams (by default, the call's ``stream=True`` argument); ``model`` maps the ``model`` argument
    onto the model's name."""

    def start(telemetry: GenAITelemetry, instance: Any, kwargs: dict[str, Any]) -> Invocation | None:
        provider, base_url = endpoint(instance)
        address, port = host_and_port(base_url)
        name = kwargs.get("model") if model is None else model(kwargs.get("model"))
        streamed = kwargs.get("stream") is True if stream is None else stream
        invocation = telemetry.start(operation, provider, name, address, port, attributes(kwargs), streamed)
        if invocation is not None and content is not None and invocation.capture:
            invocation.input_content = content(kwargs)
        return invocation

    return start
