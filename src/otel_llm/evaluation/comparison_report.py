"""A comparison as Markdown (for a pull-request comment) and as HTML (the two outputs side by side)."""

from __future__ import annotations

from html import escape

from otel_llm.evaluation.compare import Comparison, ExampleChange
from otel_llm.evaluation.results import EvaluationRun
from otel_llm.evaluation.terminal import interval, p_value, share

_VERDICT_MARKS = {"regressed": "🔴 regressed", "improved": "🟢 improved"}


def _md(text: object) -> str:
    """Text safe in a Markdown table cell: HTML escaped, pipes escaped, one line."""
    return escape(" ".join(str(text).split())).replace("|", "\\|").replace("`", "\\`")


def _rate(summary) -> str:
    return "-" if summary is None else f"{summary.pass_rate:.1%}"


def render_markdown(comparison: Comparison, limit: int = 20) -> str:
    """Verdict, the per-evaluator table, then the first ``limit`` examples that regressed."""
    verdict = "**Regressed**" if comparison.has_regressions else "**No significant regression**"
    lines = [
        f"### Evaluation: {_md(comparison.before.name)} → {_md(comparison.after.name)}",
        "",
        f"{verdict} (tolerance {comparison.tolerance:.1%}, significance level {comparison.alpha:g}).",
        "",
        *(
            ["Versions: " + "; ".join(_md(c) for c in comparison.version_changes()), ""]
            if comparison.version_changes()
            else []
        ),
        "| evaluator | before | after | change | 95% interval | p | verdict |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for change in comparison.evaluators:
        delta = change.pass_rate_delta
        lines.append(
            f"| {_md(change.name)} | {_rate(change.before)} | {_rate(change.after)} | "
            f"{'-' if delta is None else f'{delta:+.1%}'} | {interval(change)} | {p_value(change)} | "
            f"{_VERDICT_MARKS.get(change.verdict, change.verdict)} |"
        )
    for heading, changes in (("Regressed", comparison.regressions), ("Improved", comparison.improvements)):
        if not changes:
            continue
        lines += ["", f"<details><summary>{heading}: {len(changes)} example scores</summary>", ""]
        lines += ["| example | evaluator | before | after | explanation |", "|---|---|---|---|---|"]
        lines += [
            f"| {_md(c.example_id)} | {_md(c.evaluator)} | {share(c.before)} | {share(c.after)} | "
            f"{_md(c.explanation or '')} |"
            for c in changes[:limit]
        ]
        if len(changes) > limit:
            lines.append(f"| … {len(changes) - limit} more | | | | |")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2433}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem;width:100%}
th,td{border:1px solid #d5d9e0;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f1f3f7}.regressed{color:#c62828;font-weight:600}.improved{color:#17803d;font-weight:600}
pre{white-space:pre-wrap;margin:0}.fell{background:#fde4e4}.rose{background:#e3f6e8}
"""


def _output(run: EvaluationRun, example_id: str) -> str:
    attempts = [e for e in run.examples if e.id == example_id]
    return "".join(f"<pre>{escape(e.output or e.error or '')}</pre>" for e in attempts)


def _side_by_side(comparison: Comparison, changes: list[ExampleChange], kind: str) -> str:
    by_id: dict[str, list[ExampleChange]] = {}
    for change in changes:
        by_id.setdefault(change.example_id, []).append(change)
    inputs = {e.id: e.input for e in comparison.after.examples}
    rows = "".join(
        f'<tr class="{kind}"><td>{escape(ident)}</td><td><pre>{escape(inputs.get(ident, ""))}</pre></td>'
        f"<td>{_output(comparison.before, ident)}</td><td>{_output(comparison.after, ident)}</td><td>"
        + "".join(
            f"<div>{escape(c.evaluator)}: {share(c.before)} → {share(c.after)}"
            f"{' — ' + escape(c.explanation) if c.explanation else ''}</div>"
            for c in group
        )
        + "</td></tr>"
        for ident, group in by_id.items()
    )
    return rows


def render_comparison_html(comparison: Comparison) -> str:
    before, after = comparison.before, comparison.after
    evaluator_rows = "".join(
        f"<tr><td>{escape(c.name)}</td><td>{_rate(c.before)}</td><td>{_rate(c.after)}</td>"
        f"<td>{'-' if c.pass_rate_delta is None else f'{c.pass_rate_delta:+.1%}'}</td>"
        f'<td>{interval(c)}</td><td>{p_value(c)}</td><td class="{c.verdict}">{c.verdict}</td></tr>'
        for c in comparison.evaluators
    )
    verdict = "Regressed" if comparison.has_regressions else "No significant regression"
    changes = comparison.version_changes()
    versions = f'<p class="versions">Versions: {escape("; ".join(changes))}</p>\n' if changes else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(before.name)} vs {escape(after.name)}</title>
<style>{_STYLE}</style></head><body>
<h1>{escape(before.name)} → {escape(after.name)}: {verdict}</h1>
<p>Tolerance {comparison.tolerance:.1%}, significance level {comparison.alpha:g}.</p>
{versions}<table><tr><th>evaluator</th><th>before</th><th>after</th><th>change</th><th>95% interval</th>
<th>p</th><th>verdict</th></tr>{evaluator_rows}</table>
<h2>Changed examples</h2>
<table><tr><th>id</th><th>input</th><th>output in {escape(before.name)}</th>
<th>output in {escape(after.name)}</th><th>scores</th></tr>
{_side_by_side(comparison, comparison.regressions, "fell")}
{_side_by_side(comparison, comparison.improvements, "rose")}</table>
</body></html>
"""
