"""Reading SDK objects and the plain dicts users pass in their place, without importing any SDK."""

from __future__ import annotations

from typing import Any

from otel_llm.semconv import attributes as A

_DEFAULT_PORTS = {"https": 443, "http": 80}
_DOUBLES = {A.GEN_AI_REQUEST_TEMPERATURE, A.GEN_AI_REQUEST_TOP_P, A.GEN_AI_REQUEST_TOP_K}
_SENTINEL_TYPES = ("NotGiven", "Omit")  # the "argument not given" markers of the Stainless-built SDKs


def get(obj: Any, key: str, default: Any = None) -> Any:
    """A field of an SDK model or of a dict."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def given(value: Any) -> bool:
    return value is not None and type(value).__name__ not in _SENTINEL_TYPES


def copy_given(source: dict[str, Any], mapping: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """``{attribute: source[param]}`` for each ``(param, attribute)`` whose value was given; sampling
    parameters the conventions type as double (``top_k``, a ``temperature`` of 1) are recorded as floats."""
    attributes = {}
    for param, key in mapping:
        value = source.get(param)
        if given(value):
            attributes[key] = float(value) if key in _DOUBLES and isinstance(value, int) else value
    return attributes


def host_and_port(url: Any) -> tuple[str | None, int | None]:
    """Host and port of an httpx-style URL object (``host``, ``port``, ``scheme``)."""
    if url is None:
        return None, None
    return url.host, url.port or _DEFAULT_PORTS.get(url.scheme)
