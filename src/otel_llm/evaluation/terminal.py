"""Terminal rendering of runs and comparisons with rich."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from otel_llm.evaluation.results import EvaluationRun, fmt


def summary_table(run: EvaluationRun) -> Table:
    table = Table(title=f"{run.name}: {len(run.examples)} examples in {run.duration_s:.2f}s")
    for column in ("evaluator", "mean", "pass rate", "passed", "failed", "errors"):
        table.add_column(column, justify="left" if column == "evaluator" else "right")
    for summary in run.summaries().values():
        table.add_row(
            summary.name,
            fmt(summary.mean),
            f"{summary.pass_rate:.1%}",
            str(summary.passed),
            str(summary.failed),
            str(summary.errors),
        )
    return table


def failures_table(run: EvaluationRun, limit: int = 10) -> Table | None:
    """The first ``limit`` examples with a failed or errored score."""
    rows = [
        (example.id, score.name, score.label or score.error_type or "", score.explanation or "")
        for example in run.examples
        for score in example.scores
        if score.passed is not True
    ]
    if not rows:
        return None
    table = Table(title=f"failures ({len(rows)}, first {min(limit, len(rows))} shown)")
    for column in ("example", "evaluator", "result", "explanation"):
        table.add_column(column, overflow="fold")
    for row in rows[:limit]:
        table.add_row(*row)
    return table


def print_run(run: EvaluationRun, console: Console) -> None:
    console.print(summary_table(run))
    failures = failures_table(run)
    if failures is not None:
        console.print(failures)
    for check in run.thresholds:
        mark = "[green]PASS[/]" if check["passed"] else "[red]FAIL[/]"
        console.print(f"{mark} threshold {check['threshold']} (actual {fmt(check['actual'])})")
