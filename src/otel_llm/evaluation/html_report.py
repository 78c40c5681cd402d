"""A self-contained HTML report of a run, to work in: one file, inline CSS and script, no external resource
(links to traces are added only on request).

The summary, thresholds, segments, run metadata, totals and score charts are static HTML. The examples
are data (JSON in a ``<script type="application/json">``) that a small script renders page by page, so
that 10,000 rows stay quick: filter to failures (of any or one evaluator) or errors, search, sort by any
column, page through. Explanations and failure reasons are shown in the cells, not in tooltips. The
script sets only ``textContent``: no user text is ever parsed as HTML.
"""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

from otel_llm.evaluation.results import TESTS, EvaluationRun, ExampleResult, fmt, write_text

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem 2rem;color:#1d2433}
h1{margin:.2rem 0}h2{margin:1.4rem 0 .4rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.88rem}
th,td{border:1px solid #d5d9e0;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f7}th.sort{cursor:pointer;user-select:none}th.sort:hover{background:#e2e6ee}
td.pass{background:#e3f6e8}td.fail{background:#fde4e4}td.error{background:#eceff3;color:#555}
td.off{color:#999}.held{color:#17803d;font-weight:600}.broken{color:#c62828;font-weight:600}
pre{white-space:pre-wrap;word-break:break-word;margin:0;min-width:14rem;max-width:30rem;font-size:.85rem}
.why{font-size:.8rem;color:#444;margin-top:.2rem;white-space:pre-wrap;max-width:18rem}
.meta{font-size:.8rem;color:#444}.bar{background:#d5d9e0;width:8rem;height:.6rem}
.bar>div{background:#3b82f6;height:100%}.charts{display:flex;flex-wrap:wrap;gap:1rem}
.chart{border:1px solid #d5d9e0;padding:.4rem .6rem}.chart h3{font-size:.9rem;margin:0 0 .3rem}
.controls{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin:.6rem 0;position:sticky;top:0;
background:#fff;padding:.4rem 0;border-bottom:1px solid #d5d9e0}
.controls input[type=search]{width:18rem}dl.run{display:grid;grid-template-columns:max-content auto;
gap:.15rem 1rem;margin:.4rem 0}dl.run dt{font-weight:600}dl.run dd{margin:0}
"""

_SCRIPT = (files("otel_llm.evaluation") / "report.js").read_text(encoding="utf-8")

_BINS = 10


def _histogram(values: list[float]) -> tuple[list[int], float, float]:
    """Counts of ``values`` in equal bins; [0, 1] when they fit in it, else their own range."""
    low, high = (0.0, 1.0) if all(0.0 <= v <= 1.0 for v in values) else (min(values), max(values))
    width = (high - low) / _BINS or 1.0
    counts = [0] * _BINS
    for value in values:
        counts[min(_BINS - 1, int((value - low) / width))] += 1
    return counts, low, high


def _chart(name: str, examples: list[ExampleResult]) -> str:
    """An inline SVG histogram of the evaluator's score values."""
    values = [s.value for e in examples if (s := e.score(name)) is not None and s.value is not None]
    if not values:
        return ""
    counts, low, high = _histogram(values)
    tallest = max(counts) or 1
    bar_width, height = 22, 80
    bars = "".join(
        f'<rect x="{i * bar_width + 1}" y="{height - count / tallest * height:.1f}" width="{bar_width - 2}" '
        f'height="{count / tallest * height:.1f}" fill="#3b82f6"><title>{count}</title></rect>'
        f'<text x="{i * bar_width + bar_width / 2}" y="{height - count / tallest * height - 2:.1f}" '
        f'font-size="9" text-anchor="middle">{count or ""}</text>'
        for i, count in enumerate(counts)
    )
    width = bar_width * _BINS
    return (
        f'<div class="chart"><h3>{escape(name)}</h3><svg width="{width}" height="{height + 24}" '
        f'role="img" aria-label="score distribution of {escape(name)}">{bars}'
        f'<line x1="0" y1="{height}" x2="{width}" y2="{height}" stroke="#888"/>'
        f'<text x="0" y="{height + 12}" font-size="10">{fmt(low, 2)}</text>'
        f'<text x="{width}" y="{height + 12}" font-size="10" text-anchor="end">{fmt(high, 2)}</text>'
        f'<text x="{width / 2}" y="{height + 22}" font-size="9" text-anchor="middle">'
        f"{len(values)} scores</text></svg></div>"
    )


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
        "<td>-</td>"
        if n not in gaps
        else "<td>0.0%</td>"
        if not gaps[n].gap
        else f"<td>{gaps[n].gap:.1%} ({escape(gaps[n].best)} &gt; {escape(gaps[n].worst)})</td>"
        for n in names
    )
    return (
        f"<h2>By {escape(field_name)}</h2><table><tr><th>{escape(field_name)}</th>{head}</tr>{rows}"
        f"<tr><th>gap (best - worst)</th>{gap_cells}</tr></table>"
    )


def _run_facts(run: EvaluationRun) -> str:
    totals = run.totals()
    facts: dict[str, Any] = {
        "dataset": run.dataset or "-",
        "target": run.target or "- (existing outputs scored)",
        "started": run.started_at,
        "examples": f"{len(run.examples)} in {run.duration_s:.2f}s"
        + (f" ({run.repeat} attempts each)" if run.repeat > 1 else ""),
        "models": ", ".join(totals["models"]) or "-",
        "tokens": "-"
        if totals["input_tokens"] is None and totals["output_tokens"] is None
        else f"{totals['input_tokens'] or 0:,} input, {totals['output_tokens'] or 0:,} output",
        "cost": "-" if totals["cost_usd"] is None else f"${totals['cost_usd']:.6f}",
        **{key: value for key, value in run.metadata.items()},
    }
    if run.judge:
        judge = run.judge
        cost = "" if judge.get("cost_usd") is None else f", ${judge['cost_usd']:.6f}"
        facts["judge"] = (
            f"{judge['calls']} calls, {judge['cached']} cached, "
            f"{judge['input_tokens']:,} input and {judge['output_tokens']:,} output tokens{cost}"
        )
    if run.repeat > 1:
        facts["pass@k"] = ", ".join(f"pass@{k} {v:.1%}" for k, v in run.pass_at_k().items())
        facts["flaky"] = f"{len(run.flaky())} examples"
    items = "".join(f"<dt>{escape(str(k))}</dt><dd>{escape(str(v))}</dd>" for k, v in facts.items())
    return f'<dl class="run">{items}</dl>'


def _row(example: ExampleResult, evaluators: list[str], trace_url: str | None) -> dict[str, Any]:
    data = example.to_dict()
    data["scores"] = [None if (s := example.score(name)) is None else s.to_dict() for name in evaluators]
    data["trace_href"] = (
        trace_url.format(trace_id=example.trace_id) if trace_url and example.trace_id else None
    )
    return data


def _data(run: EvaluationRun, trace_url: str | None) -> str:
    payload = {
        "evaluators": run.evaluators,
        "examples": [_row(e, run.evaluators, trace_url) for e in run.examples],
    }
    # No "<" at all in the script element's text, so user text can neither close it ("</script>") nor
    # change how it is parsed ("<!--"). "<" only occurs inside JSON strings, where "\u003c" means the same.
    return json.dumps(payload, ensure_ascii=False).replace("<", "\\u003c")


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
    verdict = "passed" if run.passed else "FAILED"
    thresholds = (
        f"<h2>Thresholds: {verdict}</h2><table><tr><th>threshold</th><th>actual</th><th>result</th></tr>"
        f"{threshold_rows}</table>"
        if run.thresholds
        else ""
    )
    charts = "".join(_chart(name, run.examples) for name in (*run.evaluators, TESTS))
    segments = "".join(_segments(run, field_name) for field_name in run.group_by)
    options = "".join(
        f'<option value="e{i}">failed {escape(name)}</option>' for i, name in enumerate(run.evaluators)
    )
    sortable = [("id", "id"), ("score", "test")]
    head = "".join(
        f'<th class="sort" data-key="{key}" data-label="{label}">{label}</th>' for key, label in sortable
    )
    head += "<th>input</th><th>output</th><th>expected</th>"
    head += "".join(
        f'<th class="sort" data-key="e{i}" data-label="{escape(name)}">{escape(name)}</th>'
        for i, name in enumerate(run.evaluators)
    )
    head += (
        '<th>metadata</th><th class="sort" data-key="duration" data-label="usage">usage</th><th>trace</th>'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(run.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body><h1>Evaluation {escape(run.name)}</h1>
{_run_facts(run)}
{thresholds}
<h2>Summary</h2><table><tr><th>evaluator</th><th>mean</th><th>pass rate</th><th>passed</th><th>failed</th>
<th>errors</th></tr>{summary_rows}</table>
<h2>Score distributions</h2><div class="charts">{charts}</div>
{segments}
<h2>Examples</h2>
<div class="controls"><label>show <select id="filter"><option value="all">all</option>
<option value="failed">failed tests</option><option value="passed">passed tests</option>
<option value="errors">errors</option>{options}</select></label>
<input id="search" type="search" placeholder="search ids, texts, explanations, metadata">
<label>rows <select id="page-size"><option>25</option><option selected>50</option><option>100</option>
<option>500</option></select></label>
<button id="prev" type="button">previous</button><button id="next" type="button">next</button>
<span id="page-info"></span></div>
<table id="examples"><thead><tr>{head}</tr></thead><tbody id="examples-body"></tbody></table>
<noscript><p>The examples table needs JavaScript; the JSON report holds every example.</p></noscript>
<script type="application/json" id="report-data">{_data(run, trace_url)}</script>
<script>{_SCRIPT}</script>
</body></html>
"""


def write_html(run: EvaluationRun, path: str | Path, trace_url: str | None = None) -> Path:
    return write_text(path, render_html(run, trace_url))
