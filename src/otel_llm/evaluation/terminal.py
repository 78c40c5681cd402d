"""Terminal rendering of runs and comparisons with rich.

Every text that comes from a user (ids, inputs, outputs, explanations, errors, names) goes to rich as a
:class:`~rich.text.Text`, never as markup, with control characters escaped: ``[/INST]`` prints as
written and an escape sequence in a model's output cannot drive the terminal.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from otel_llm.evaluation.compare import Comparison, EvaluatorChange
from otel_llm.evaluation.results import TESTS, EvaluationRun, fmt

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return "\ufffd" if "\ud800" <= char <= "\udfff" else f"\\x{ord(char):02x}"


def plain(text: object, style: str = "") -> Text:
    """``text`` as literal terminal text: no markup, control characters and lone surrogates escaped."""
    return Text(_UNPRINTABLE.sub(_escape, str(text)), style=style)


def plain_console(**options: Any) -> Console:
    """A console that reads no markup and highlights nothing, for output made of user text. ``options``
    are ``rich.console.Console``'s."""
    return Console(markup=False, highlight=False, **options)


def summary_table(run: EvaluationRun) -> Table:
    table = Table(title=plain(f"{run.name}: {len(run.examples)} examples in {run.duration_s:.2f}s"))
    for column in ("evaluator", "mean", "pass rate", "passed", "failed", "errors"):
        table.add_column(column, justify="left" if column == "evaluator" else "right")
    for summary in run.summaries().values():
        table.add_row(
            plain(summary.name),
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
        table.add_row(*map(plain, row))
    return table


def segments_table(run: EvaluationRun, field_name: str) -> Table:
    """Pass rate per segment of ``field_name`` for each evaluator, and the best-to-worst gap."""
    segments = run.segments(field_name)
    names = [*run.evaluators, TESTS]
    table = Table(title=plain(f"by {field_name}"))
    table.add_column(plain(field_name))
    table.add_column("examples", justify="right")
    for name in names:
        table.add_column(plain(name), justify="right")
    for segment, summaries in segments.groups.items():
        count = summaries[TESTS].count if TESTS in summaries else max(s.count for s in summaries.values())
        cells = [f"{summaries[n].pass_rate:.1%}" if n in summaries else "-" for n in names]
        table.add_row(plain(segment), str(count), *cells)
    gaps = segments.gaps
    table.add_row(
        "gap (best - worst)",
        "",
        *(plain(f"{gaps[n].gap:.1%} {gaps[n].best}>{gaps[n].worst}") if n in gaps else "-" for n in names),
        style="bold",
    )
    return table


def print_run(run: EvaluationRun, console: Console) -> None:
    console.print(summary_table(run))
    for field_name in run.group_by:
        console.print(segments_table(run, field_name))
    failures = failures_table(run)
    if failures is not None:
        console.print(failures)
    if run.repeat > 1:
        at_k = ", ".join(f"pass@{k} {value:.1%}" for k, value in run.pass_at_k().items())
        flaky = run.flaky()
        console.print(plain(f"{run.repeat} attempts per example: {at_k}; {len(flaky)} flaky"))
        if flaky:
            console.print(plain(f"flaky: {', '.join(flaky[:20])}{' ...' if len(flaky) > 20 else ''}"))
    for check in run.thresholds:
        mark = plain("PASS", "green") if check["passed"] else plain("FAIL", "red")
        console.print(
            Text.assemble(mark, plain(f" threshold {check['threshold']} (actual {fmt(check['actual'])})"))
        )


def _signed(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.1%}" if percent else f"{value:+.3f}"


def share(value: float) -> str:
    """A per-example outcome: pass or fail, or the share of passed attempts."""
    return "pass" if value == 1 else ("fail" if value == 0 else f"{value:.0%} passed")


def interval(change: EvaluatorChange) -> str:
    sig = change.significance
    return "-" if sig is None else f"[{sig.low:+.1%}, {sig.high:+.1%}]"


def p_value(change: EvaluatorChange) -> str:
    sig = change.significance
    return "-" if sig is None else f"{sig.p_value:.3g} ({sig.test})"


_VERDICT_STYLES = {"regressed": "red", "improved": "green"}


def print_comparison(comparison: Comparison, console: Console) -> None:
    title = f"{comparison.before.name} -> {comparison.after.name}"
    table = Table(title=plain(f"{title} (tolerance {comparison.tolerance:.1%}, alpha {comparison.alpha:g})"))
    columns = ("evaluator", "pass rate before", "after", "change", "95% interval", "p", "verdict")
    for column in columns:
        table.add_column(column, justify="left" if column in ("evaluator", "verdict") else "right")
    for change in comparison.evaluators:
        before, after = change.before, change.after
        table.add_row(
            plain(change.name),
            "-" if before is None else f"{before.pass_rate:.1%}",
            "-" if after is None else f"{after.pass_rate:.1%}",
            _signed(change.pass_rate_delta, percent=True),
            interval(change),
            p_value(change),
            change.verdict,
            style=_VERDICT_STYLES.get(change.verdict),
        )
    console.print(table)
    if comparison.version_changes():
        console.print(plain("versions: " + "; ".join(comparison.version_changes())))
    for heading, changes, style in (
        ("examples that regressed", comparison.regressions, "red"),
        ("examples that improved", comparison.improvements, "green"),
    ):
        if not changes:
            continue
        detail = Table(title=f"{heading} ({len(changes)})", title_style=style)
        for column in ("example", "evaluator", "before", "after", "explanation"):
            detail.add_column(column, overflow="fold")
        for example in changes:
            detail.add_row(
                plain(example.example_id),
                plain(example.evaluator),
                share(example.before),
                share(example.after),
                plain(example.explanation or ""),
            )
        console.print(detail)
    if comparison.only_before or comparison.only_after:
        console.print(
            plain(
                f"examples only in {comparison.before.name}: {len(comparison.only_before)}, "
                f"only in {comparison.after.name}: {len(comparison.only_after)}"
            )
        )
    verdict = "REGRESSED" if comparison.has_regressions else "no significant regression"
    console.print(plain(verdict, "bold red" if comparison.has_regressions else "bold green"))


def _tally_text(summary: dict) -> str:
    parts = []
    for name, tally in summary["evaluators"].items():
        rate = f"{tally['pass_rate']:.1%}" if tally["count"] else "-"
        parts.append(
            f"{name} {rate} of {tally['count']}"
            + (f" ({tally['not_evaluable']} n/e)" if tally["not_evaluable"] else "")
        )
    return "; ".join(parts)


def print_online_line(console: Console, follower: Any, batch: Any, problem: str | None) -> None:
    """One line per poll of ``eval online --follow``: what was new, and the running pass rates."""
    report = follower.report()
    if problem is not None:
        console.print(plain(f"poll {report['batches'] + report['failed_batches']}: {problem}", "yellow"))
        return
    console.print(
        plain(
            f"poll {report['batches'] + report['failed_batches']}: {len(batch.evaluated)} new LLM spans in "
            f"{batch.traces} traces ({batch.skipped} seen, {batch.filtered_out} filtered, "
            f"{batch.not_sampled} not sampled); total {report['evaluated_spans']}: {_tally_text(report)}"
            + _judge_text(report["judge"])
        )
    )


def _judge_text(judge: dict) -> str:
    if not judge["calls"] and not judge["cached"]:
        return ""
    cost = "" if judge["cost_usd"] is None else f", ${judge['cost_usd']:.6f}"
    return f"; judge {judge['calls']} calls, {judge['cached']} cached{cost}"


def print_online_batch(console: Console, batch: Any, evaluators: list, service: str) -> None:
    """The table of a one-shot ``eval online``: each evaluated span with its scores."""
    table = Table()
    table.add_column("trace", no_wrap=True)
    table.add_column("span", no_wrap=True)
    for column in ("operation", *(e.name for e in evaluators)):
        table.add_column(plain(column))
    for item in batch.evaluated:
        cells = [
            s.error_type or f"{fmt(s.value) if s.value is not None else ''} {s.label or ''}".strip()
            for s in item.scores
        ]
        table.add_row(
            f"{item.span.trace_id:032x}", f"{item.span.span_id:016x}", *map(plain, (item.span.name, *cells))
        )
    skipped = f", {batch.skipped} evaluated before" if batch.skipped else ""
    left_out = batch.filtered_out + batch.not_sampled
    others = f", {left_out} filtered or not sampled" if left_out else ""
    console.print(
        plain(f"{len(batch.evaluated)} LLM spans in {batch.traces} traces of {service}{skipped}{others}")
    )
    if batch.evaluated:
        console.print(table)
