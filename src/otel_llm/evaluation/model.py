"""The data every evaluator works on: a case to judge, and the score it gets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from otel_llm.evaluation.spans import SpanView

PASS = "pass"
FAIL = "fail"


class MissingFieldError(ValueError):
    """The case lacks a field the evaluator needs (for example no expected answer online)."""

    def __init__(self, field_name: str) -> None:
        super().__init__(f"the case has no {field_name}")
        self.field_name = field_name


@dataclass(frozen=True)
class EvalCase:
    """One response to judge, with what is known about how it was produced."""

    input: str | None = None
    output: str | None = None
    expected: str | None = None
    contexts: tuple[str, ...] = ()
    span: SpanView | None = None
    """The evaluated LLM span (the last one the example produced), if any."""
    spans: tuple[SpanView, ...] = ()
    """Every span captured for the case, the evaluated one included."""
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def require(self, name: str) -> Any:
        """The value of field ``name``, raising :class:`MissingFieldError` when it is empty."""
        value = getattr(self, name)
        if value is None or value == ():
            raise MissingFieldError(name)
        return value


@dataclass(frozen=True)
class Score:
    """The result of one evaluator on one case; ``error_type`` is set when the evaluator failed."""

    name: str
    value: float | None = None
    label: str | None = None
    explanation: str | None = None
    passed: bool | None = None
    error_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "label": self.label,
            "explanation": self.explanation,
            "passed": self.passed,
            "error_type": self.error_type,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Score:
        fields: dict[str, Any] = {key: data.get(key) for key in cls.__dataclass_fields__}  # JSON values
        return cls(**fields)
