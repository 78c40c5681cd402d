"""The evaluator interface and the scoring helpers shared by the built-in evaluators."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from otel_llm.evaluation.model import FAIL, PASS, EvalCase, MissingFieldError, Score


class Evaluator(ABC):
    """Scores one case. Subclasses implement :meth:`evaluate`; calling the evaluator never raises."""

    name: str
    unit: str | None = "1"
    """Unit of the score's value: ``1`` (a value in [0, 1]), ``s``, ``{USD}``, ``{finding}``...; it
    chooses the histogram the value is recorded on (``otel_llm.evaluation.score`` for [0, 1])."""

    @abstractmethod
    def evaluate(self, case: EvalCase) -> Score:
        """Score ``case``; may raise, the failure then becomes the score's ``error_type``."""

    def __call__(self, case: EvalCase) -> Score:
        try:
            return self.evaluate(case)
        except MissingFieldError as exc:
            return Score(self.name, explanation=str(exc), error_type=f"missing_{exc.field_name}")
        except Exception as exc:  # an evaluator's failure is a result, never a crash of the run
            return Score(
                self.name, explanation=f"{type(exc).__name__}: {exc}", error_type=type(exc).__qualname__
            )

    def verdict(self, passed: bool, explanation: str | None = None, value: float | None = None) -> Score:
        """A pass/fail score; its value is 1.0 or 0.0 unless given."""
        if value is None:
            value = 1.0 if passed else 0.0
        return Score(self.name, value, PASS if passed else FAIL, explanation, passed)


@runtime_checkable
class CallsTarget(Protocol):
    """An evaluator that calls the run's target itself (counterfactual checks): with ``uses_target``
    true, the runner sets ``target``."""

    uses_target: bool
    target: Callable[[str], Any] | None


class GradedEvaluator(Evaluator):
    """An evaluator whose score in [0, 1] passes at or above ``pass_at``."""

    def __init__(self, name: str, pass_at: float) -> None:
        if not 0.0 <= pass_at <= 1.0:
            raise ValueError(f"pass_at must be within [0, 1], got {pass_at}")
        self.name = name
        self.pass_at = pass_at

    def graded(self, value: float, explanation: str | None = None) -> Score:
        value = round(min(1.0, max(0.0, value)), 6)
        return self.verdict(value >= self.pass_at, explanation, value)


@dataclass(frozen=True)
class Assertion:
    """One check of a test: an evaluator and its weight in the test's score (0: reported, not counted)."""

    evaluator: Evaluator
    weight: float = 1.0
