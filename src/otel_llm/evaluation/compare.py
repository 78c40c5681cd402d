"""Regressions between two runs: per evaluator (pass rate, mean) and per example (pass -> not pass)."""

from __future__ import annotations

from dataclasses import dataclass

from otel_llm.evaluation.model import Score
from otel_llm.evaluation.results import EvaluationRun, EvaluatorSummary


@dataclass(frozen=True)
class EvaluatorChange:
    name: str
    before: EvaluatorSummary | None
    after: EvaluatorSummary | None

    @property
    def pass_rate_delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after.pass_rate - self.before.pass_rate, 6)

    @property
    def mean_delta(self) -> float | None:
        if self.before is None or self.after is None or self.before.mean is None or self.after.mean is None:
            return None
        return round(self.after.mean - self.before.mean, 6)

    @property
    def regressed(self) -> bool:
        return (self.pass_rate_delta or 0.0) < 0


@dataclass(frozen=True)
class ExampleChange:
    example_id: str
    evaluator: str
    before: Score
    after: Score


@dataclass(frozen=True)
class Comparison:
    before: EvaluationRun
    after: EvaluationRun
    evaluators: list[EvaluatorChange]
    regressions: list[ExampleChange]
    improvements: list[ExampleChange]
    only_before: list[str]
    only_after: list[str]

    @property
    def has_regressions(self) -> bool:
        return bool(self.regressions) or any(change.regressed for change in self.evaluators)


def compare_runs(before: EvaluationRun, after: EvaluationRun) -> Comparison:
    """Match examples by id and evaluators by name; a regression is a score that passed and no longer does."""
    summaries_before, summaries_after = before.summaries(), after.summaries()
    names = list(dict.fromkeys([*before.evaluators, *after.evaluators]))
    evaluators = [EvaluatorChange(n, summaries_before.get(n), summaries_after.get(n)) for n in names]
    after_by_id = {example.id: example for example in after.examples}
    before_ids = {example.id for example in before.examples}
    regressions: list[ExampleChange] = []
    improvements: list[ExampleChange] = []
    for old in before.examples:
        new = after_by_id.get(old.id)
        if new is None:
            continue
        for name in names:
            was, now = old.score(name), new.score(name)
            if was is None or now is None or bool(was.passed) == bool(now.passed):
                continue
            (regressions if was.passed else improvements).append(ExampleChange(old.id, name, was, now))
    return Comparison(
        before=before,
        after=after,
        evaluators=evaluators,
        regressions=regressions,
        improvements=improvements,
        only_before=[e.id for e in before.examples if e.id not in after_by_id],
        only_after=[e.id for e in after.examples if e.id not in before_ids],
    )
