"""Reference-based string checks: exact match, contains, regex, GSM8K numeric answers, similarity."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz

from otel_llm.evaluation.evaluators.base import Evaluator, GradedEvaluator
from otel_llm.evaluation.model import EvalCase, Score


def normalize(text: str) -> str:
    """Lower-case and collapse whitespace, the comparison used by the lenient checks."""
    return " ".join(text.lower().split())


class ExactMatch(Evaluator):
    """Output equals the expected answer (after :func:`normalize` unless ``strict``)."""

    def __init__(self, strict: bool = False, name: str = "exact_match") -> None:
        self.name = name
        self.strict = strict

    def evaluate(self, case: EvalCase) -> Score:
        output, expected = case.require("output"), case.require("expected")
        if not self.strict:
            output, expected = normalize(output), normalize(expected)
        return self.verdict(output == expected)


class Contains(Evaluator):
    """Output contains ``text``, or the expected answer when no text is given (case-insensitive)."""

    def __init__(self, text: str | None = None, name: str = "contains") -> None:
        self.name = name
        self.text = text

    def evaluate(self, case: EvalCase) -> Score:
        needle = self.text if self.text is not None else case.require("expected")
        found = normalize(needle) in normalize(case.require("output"))
        return self.verdict(found, None if found else f"{needle!r} not found in the output")


class RegexMatch(Evaluator):
    """Output matches ``pattern`` (searched anywhere in it)."""

    def __init__(self, pattern: str, name: str = "regex") -> None:
        self.name = name
        self.pattern = re.compile(pattern)

    def evaluate(self, case: EvalCase) -> Score:
        matched = self.pattern.search(case.require("output")) is not None
        return self.verdict(matched, None if matched else f"no match for /{self.pattern.pattern}/")


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_GSM8K_ANSWER = re.compile(r"####\s*(-?[\d,]*\.?\d+)")


def final_number(text: str) -> Decimal | None:
    """The answer of a GSM8K-style text: the number after ``####``, else the last number in it."""
    marked = _GSM8K_ANSWER.search(text)
    numbers = [marked.group(1)] if marked else _NUMBER.findall(text)
    if not numbers:
        return None
    try:
        return Decimal(numbers[-1].replace(",", ""))
    except InvalidOperation:
        return None


class NumericMatch(Evaluator):
    """The final number of the output equals that of the expected answer (GSM8K ``#### N``)."""

    def __init__(self, tolerance: float = 0.0, name: str = "numeric_match") -> None:
        self.name = name
        self.tolerance = Decimal(str(tolerance))

    def evaluate(self, case: EvalCase) -> Score:
        expected = final_number(case.require("expected"))
        if expected is None:
            raise ValueError("the expected answer has no number")
        got = final_number(case.require("output"))
        if got is None:
            return self.verdict(False, "no number in the output")
        passed = abs(got - expected) <= self.tolerance
        return self.verdict(passed, None if passed else f"expected {expected}, got {got}")


class StringSimilarity(GradedEvaluator):
    """Normalized Indel similarity (rapidfuzz ``ratio``) of output and expected answer, in [0, 1]."""

    def __init__(self, pass_at: float = 0.8, name: str = "string_similarity") -> None:
        super().__init__(name, pass_at)

    def evaluate(self, case: EvalCase) -> Score:
        ratio = fuzz.ratio(normalize(case.require("output")), normalize(case.require("expected")))
        return self.graded(ratio / 100.0)
