"""Reading SDK objects and the plain dicts users pass in their place, without importing any SDK."""

from __future__ import annotations

from typing import Any

_SENTINEL_TYPES = ("NotGiven", "Omit")  # the "argument not given" markers of the Stainless-built SDKs


def get(obj: Any, key: str, default: Any = None) -> Any:
    """A field of an SDK model or of a dict."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def given(value: Any) -> bool:
    return value is not None and type(value).__name__ not in _SENTINEL_TYPES


def copy_given(source: dict[str, Any], mapping: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """``{attribute: source[param]}`` for each ``(param, attribute)`` whose value was given."""
    return {key: source[param] for param, key in mapping if given(source.get(param))}
