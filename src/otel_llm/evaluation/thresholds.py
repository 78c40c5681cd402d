"""Pass/fail gates on run summaries, e.g. ``exact_match=0.8`` or ``latency.mean<=1.5``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from otel_llm.evaluation.results import EvaluatorSummary

_SPEC = re.compile(
    r"^(?P<name>[A-Za-z0-9_\-]+?)(?:\.(?P<statistic>mean|pass_rate))?\s*(?P<op><=|>=|=)\s*(?P<value>[-+0-9.eE]+)$"
)


@dataclass(frozen=True)
class Threshold:
    """``statistic`` of evaluator ``name`` must be at least (or with ``at_most``, at most) ``value``."""

    name: str
    value: float
    statistic: str = "pass_rate"
    at_most: bool = False

    @classmethod
    def parse(cls, spec: str) -> Threshold:
        """``NAME=V`` (pass rate at least V), ``NAME.mean>=V``, ``NAME.mean<=V``, ``NAME.pass_rate=V``."""
        match = _SPEC.match(spec.strip())
        if match is None:
            raise ValueError(f"bad threshold {spec!r}; expected NAME[.mean|.pass_rate](=|>=|<=)NUMBER")
        return cls(
            name=match["name"],
            value=float(match["value"]),
            statistic=match["statistic"] or "pass_rate",
            at_most=match["op"] == "<=",
        )

    def __str__(self) -> str:
        return f"{self.name}.{self.statistic} {'<=' if self.at_most else '>='} {self.value:g}"

    def check(self, summaries: Mapping[str, EvaluatorSummary]) -> dict[str, Any]:
        """The outcome as stored in reports: spec, actual value and whether it held."""
        summary = summaries.get(self.name)
        actual = None if summary is None else getattr(summary, self.statistic)
        held = actual is not None and (actual <= self.value if self.at_most else actual >= self.value)
        return {"threshold": str(self), "evaluator": self.name, "actual": actual, "passed": held}
