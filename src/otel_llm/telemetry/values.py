"""Attribute values the exporters accept: what an SDK response holds is not always what its types say.

An exporter drops a whole span or record for a string with a lone surrogate (not encodable as UTF-8) or
an integer beyond int64; a dict where a model name belongs would fail the price lookup. Each value is
checked on its own, so one malformed field costs only that field.
"""

from __future__ import annotations

from typing import Any

INT64_MAX = 2**63 - 1


def count(value: Any) -> int | None:
    """A token count: a non-negative int64 (integral floats accepted), else ``None``."""
    if type(value) is int:
        return value if 0 <= value <= INT64_MAX else None
    if type(value) is float and value.is_integer() and 0 <= value <= INT64_MAX:
        return int(value)
    return None


def text(value: Any) -> str | None:
    """A string field (model, id) encodable as UTF-8, else ``None``."""
    return utf8(value) if isinstance(value, str) else None


def texts(value: Any) -> list[str] | None:
    """A list of strings (finish reasons): its string items, else ``None``."""
    if type(value) is list and all(type(item) is str and item.isascii() for item in value):
        return value
    valid = [utf8(item) for item in value if isinstance(item, str)] if isinstance(value, list | tuple) else []
    return valid or None


def utf8(value: str) -> str:
    """``value`` with lone surrogates replaced, so that it encodes as UTF-8."""
    if value.isascii():
        return value
    try:
        value.encode()
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode()
    return value


def clean_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """``attributes`` without values an exporter would reject (strings are repaired, the rest dropped)."""
    cleaned = {}
    for key, value in attributes.items():
        kind = type(value)
        if kind is str:
            value = utf8(value)
        elif kind is int:
            if not -INT64_MAX - 1 <= value <= INT64_MAX:
                continue
        elif kind in (list, tuple):
            value = _clean_sequence(value)
            if value is None:
                continue
        elif kind not in (bool, float):
            continue
        cleaned[key] = value
    return cleaned


def _clean_sequence(values: Any) -> list[Any] | tuple[Any, ...] | None:
    """A homogeneous sequence of str, bool, int64 or float; ``None`` when it cannot be one."""
    if all(type(v) is str for v in values):
        return [utf8(v) for v in values] if not all(v.isascii() for v in values) else values
    kinds = {type(v) for v in values}
    if (len(kinds) <= 1 and kinds <= {bool, float}) or kinds == {int}:
        if kinds == {int} and not all(-INT64_MAX - 1 <= v <= INT64_MAX for v in values):
            return None
        return values
    return None
