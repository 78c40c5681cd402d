"""The price stamp a cost should carry, read here from genai-prices' installed data file itself (its
text, not the objects otel-llm reads), so the stamp's derivation is checked, not repeated."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

PLACEHOLDER = "<bundled genai-prices>"
"""What expected telemetry files hold for the stamp: its date moves when a dated price starts."""

_START_DATE = re.compile(r"StartDateConstraint\(start_date=datetime\.date\((\d+), (\d+), (\d+)\)\)")


@cache
def _dates() -> tuple[date, ...]:
    spec = find_spec("genai_prices.data")
    assert spec is not None and spec.origin is not None
    text = Path(spec.origin).read_text(encoding="utf-8")
    return tuple(sorted({date(int(y), int(m), int(d)) for y, m, d in _START_DATE.findall(text)}))


def data_dates() -> list[date]:
    """The dates from which the bundled data's prices apply, sorted, from the source of ``data.py``."""
    return list(_dates())


def bundled_stamp(today: date | None = None) -> str:
    """``genai-prices <version> (<newest price date on or before today, UTC>)``."""
    today = today or datetime.now(UTC).date()
    in_effect = [day for day in data_dates() if day <= today]
    assert in_effect, "genai-prices' data has no dated price in effect"
    return f"genai-prices {version('genai-prices')} ({in_effect[-1].isoformat()})"


def with_stamp(attributes: dict, placeholder: str = PLACEHOLDER) -> dict:
    """Expected attributes with the placeholder replaced by today's stamp (``+override`` kept)."""
    value = attributes.get("otel_llm.price_table.version")
    if not isinstance(value, str) or not value.startswith(placeholder):
        return attributes
    return {**attributes, "otel_llm.price_table.version": bundled_stamp() + value[len(placeholder) :]}


def as_placeholder(attributes: dict) -> dict:
    """Recorded attributes with today's stamp replaced by the placeholder, for an expected file."""
    value = attributes.get("otel_llm.price_table.version")
    stamp = bundled_stamp()
    if not isinstance(value, str) or not value.startswith(stamp):
        return attributes
    return {**attributes, "otel_llm.price_table.version": PLACEHOLDER + value[len(stamp) :]}
