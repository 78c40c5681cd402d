"""Regressions between two runs: per evaluator (pass rate, mean) and per example (pass -> not pass)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from otel_llm.evaluation.model import Score
from otel_llm.evaluation.results import EvaluationRun, EvaluatorSummary, fmt


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


def _outcome(score: Score) -> str:
    if score.error_type:
        return f"error ({score.error_type})"
    return f"{score.label or ('pass' if score.passed else 'fail')} {fmt(score.value)}"


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


def _signed(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.1%}" if percent else f"{value:+.3f}"


def print_comparison(comparison: Comparison, console: Console) -> None:
    table = Table(title=f"{comparison.before.name} -> {comparison.after.name}")
    for column in ("evaluator", "pass rate before", "after", "change", "mean before", "after", "change"):
        table.add_column(column, justify="left" if column == "evaluator" else "right")
    for change in comparison.evaluators:
        before, after = change.before, change.after
        style = "red" if change.regressed else ("green" if (change.pass_rate_delta or 0) > 0 else None)
        table.add_row(
            change.name,
            "-" if before is None else f"{before.pass_rate:.1%}",
            "-" if after is None else f"{after.pass_rate:.1%}",
            _signed(change.pass_rate_delta, percent=True),
            fmt(before.mean if before else None),
            fmt(after.mean if after else None),
            _signed(change.mean_delta),
            style=style,
        )
    console.print(table)
    for title, changes, style in (
        ("regressions", comparison.regressions, "red"),
        ("improvements", comparison.improvements, "green"),
    ):
        if not changes:
            continue
        detail = Table(title=f"{title} ({len(changes)})", title_style=style)
        for column in ("example", "evaluator", "before", "after", "explanation"):
            detail.add_column(column, overflow="fold")
        for change in changes:
            detail.add_row(
                change.example_id,
                change.evaluator,
                _outcome(change.before),
                _outcome(change.after),
                change.after.explanation or "",
            )
        console.print(detail)
    if comparison.only_before or comparison.only_after:
        console.print(
            f"examples only in {comparison.before.name}: {len(comparison.only_before)}, "
            f"only in {comparison.after.name}: {len(comparison.only_after)}"
        )
