"""A self-contained HTML report of a run: inline CSS, no script, no external resource (links to traces
are added only on request)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from otel_llm.evaluation.model import Score
from otel_llm.evaluation.results import TESTS, EvaluationRun, fmt, write_text

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2433}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #d5d9e0;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f1f3f7}
td.pass{background:#e3f6e8}td.fail{background:#fde4e4}td.error{background:#eceff3;color:#666}
.held{color:#17803d;font-weight:600}.broken{color:#c62828;font-weight:600}
pre{white-space:pre-wrap;margin:0;max-width:36rem}
.bar{background:#d5d9e0;width:8rem;height:.6rem}.bar>div{background:#3b82f6;height:100%}
"""


def _cell(score: Score | None) -> str:
    if score is None:
        return "<td></td>"
    kind = "error" if score.error_type else ("pass" if score.passed else "fail")
    text = score.error_type or f"{fmt(score.value)} {score.label or ''}".strip()
    return f'<td class="{kind}" title="{escape(score.explanation or "")}">{escape(text)}</td>'


def _pre(text: str | None) -> str:
    return f"<pre>{escape(text or '')}</pre>"


def _trace(trace_id: str | None, trace_url: str | None) -> str:
    if not trace_id:
        return ""
    code = f"<code>{escape(trace_id)}</code>"
    if trace_url is None:
        return code
    return f'<a href="{escape(trace_url.format(trace_id=trace_id))}">{code}</a>'


def _metadata(metadata: dict) -> str:
    return "".join(f"<div>{escape(str(key))}: {escape(str(value))}</div>" for key, value in metadata.items())


def _segments(run: EvaluationRun, field_name: str) -> str:
    segments = run.segments(field_name)
    names = [*run.evaluators, TESTS]
    head = "".join(f"<th>{escape(name)}</th>" for name in names)
    rows = "".join(
        f"<tr><td>{escape(segment)}</td>"
        + "".join(f"<td>{summaries[n].pass_rate:.1%}</td>" if n in summaries else "<td>-</td>" for n in names)
        + "</tr>"
        for segment, summaries in segments.groups.items()
    )
    gaps = segments.gaps
    gap_cells = "".join(
        f"<td>{gaps[n].gap:.1%} ({escape(gaps[n].best)} &gt; {escape(gaps[n].worst)})</td>"
        if n in gaps
        else "<td>-</td>"
        for n in names
    )
    return (
        f"<h2>By {escape(field_name)}</h2><table><tr><th>{escape(field_name)}</th>{head}</tr>{rows}"
        f"<tr><th>gap (best - worst)</th>{gap_cells}</tr></table>"
    )


def render_html(run: EvaluationRun, trace_url: str | None = None) -> str:
    """The report as one HTML document; ``trace_url`` (e.g. ``http://jaeger:16686/trace/{trace_id}``)
    links each example's trace."""
    summaries = run.summaries()
    summary_rows = "".join(
        f"<tr><td>{escape(s.name)}</td><td>{fmt(s.mean)}</td><td>{s.pass_rate:.1%}"
        f'<div class="bar"><div style="width:{s.pass_rate * 100:.1f}%"></div></div></td>'
        f"<td>{s.passed}</td><td>{s.failed}</td><td>{s.errors}</td></tr>"
        for s in summaries.values()
    )
    threshold_rows = "".join(
        f"<tr><td>{escape(c['threshold'])}</td><td>{fmt(c['actual'])}</td>"
        f'<td class="{"held" if c["passed"] else "broken"}">{"pass" if c["passed"] else "FAIL"}</td></tr>'
        for c in run.thresholds
    )
    example_rows = "".join(
        f"<tr><td>{escape(e.id)}</td><td>{_pre(e.input)}</td><td>{_pre(e.output or e.error)}</td>"
        f"<td>{_pre(e.expected)}</td>{''.join(_cell(e.score(name)) for name in run.evaluators)}"
        f"<td>{_metadata(e.metadata)}</td><td>{_trace(e.trace_id, trace_url)}</td></tr>"
        for e in run.examples
    )
    segments = "".join(_segments(run, field_name) for field_name in run.group_by)
    verdict = "passed" if run.passed else "FAILED"
    head = "".join(f"<th>{escape(name)}</th>" for name in run.evaluators)
    thresholds = (
        f"<h2>Thresholds: {verdict}</h2><table><tr><th>threshold</th><th>actual</th><th>result</th></tr>"
        f"{threshold_rows}</table>"
        if run.thresholds
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(run.name)}</title><style>{_STYLE}</style></head>
<body><h1>Evaluation {escape(run.name)}</h1>
<p>Dataset <code>{escape(run.dataset or "-")}</code>, target <code>{escape(run.target or "-")}</code>,
started {escape(run.started_at)}, {len(run.examples)} examples in {run.duration_s:.2f}s.</p>
{thresholds}
<h2>Summary</h2><table><tr><th>evaluator</th><th>mean</th><th>pass rate</th><th>passed</th><th>failed</th>
<th>errors</th></tr>{summary_rows}</table>
{segments}
<h2>Examples</h2><table><tr><th>id</th><th>input</th><th>output</th><th>expected</th>{head}<th>metadata</th>
<th>trace</th></tr>
{example_rows}</table></body></html>
"""


def write_html(run: EvaluationRun, path: str | Path, trace_url: str | None = None) -> Path:
    return write_text(path, render_html(run, trace_url))
