"""Observable instruments made once per meter provider, reading whichever source is current.

The OTel SDK keeps the first callbacks registered under an instrument name, and instruments cannot be
removed. So each kind of resource metric registers its instruments once per provider and scope, and a
later start (after a shutdown and a new ``instrument()``) only swaps the ``source`` they read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from opentelemetry.metrics import CallbackOptions, Observation, get_meter, get_meter_provider

from otel_llm._version import __version__

logger = logging.getLogger(__name__)

S = TypeVar("S")
Reading = Callable[[Any], Iterable[tuple[float | int, dict[str, Any]]]]
"""``reading(source) -> [(value, attributes), ...]``."""


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str  # gauge | counter | updown
    unit: str
    description: str
    read: Reading


class Observed(Generic[S]):
    """The instruments of one scope on one provider; they observe ``source`` while it is set."""

    def __init__(self, scope: str, schema_url: str, specs: Iterable[Spec], meter_provider: Any) -> None:
        self.source: S | None = None
        meter = get_meter(scope, __version__, meter_provider, schema_url=schema_url)
        create = {
            "gauge": meter.create_observable_gauge,
            "counter": meter.create_observable_counter,
            "updown": meter.create_observable_up_down_counter,
        }
        for spec in specs:
            create[spec.kind](spec.name, [self._callback(spec)], spec.unit, spec.description)

    def _callback(self, spec: Spec) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            source = self.source
            if source is None:
                return []
            try:
                return [Observation(value, attributes) for value, attributes in spec.read(source)]
            except Exception:
                logger.exception("otel-llm could not read %s", spec.name)
                return []

        return observe


_REGISTERED: dict[tuple[str, int], Observed[Any]] = {}


def observed(scope: str, schema_url: str, specs: Iterable[Spec], meter_provider: Any) -> Observed[Any]:
    """The instruments of ``scope`` on ``meter_provider`` (the global one when ``None``), made once."""
    provider = meter_provider if meter_provider is not None else get_meter_provider()
    key = (scope, id(provider))
    if key not in _REGISTERED:
        _REGISTERED[key] = Observed(scope, schema_url, specs, provider)
    return _REGISTERED[key]


def release(source: object) -> None:
    """Stop every instrument set that reads ``source``."""
    for instruments in _REGISTERED.values():
        if instruments.source is source:
            instruments.source = None
