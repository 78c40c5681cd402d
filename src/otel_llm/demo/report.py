"""Terminal rendering of what the demo recorded: a trace tree and a metrics summary.

The summary reads only the metric points (as a dashboard would); latency percentiles are
estimated from the duration histogram's buckets, the way Prometheus' ``histogram_quantile`` does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.metrics.export import HistogramDataPoint, MetricsData
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from otel_llm.semconv import attributes as A
from otel_llm.semconv import metrics as M

NO_VALUE = "-"


# -- formatting --------------------------------------------------------------------------------------


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return NO_VALUE
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def format_usd(amount: float | None) -> str:
    """Dollars with enough decimals for sub-cent calls: ``0.00002595``."""
    if amount is None:
        return NO_VALUE
    return f"{amount:.8f}".rstrip("0").rstrip(".")


def _text(value: object) -> str:
    """An attribute value as shown: OTel's attribute type allows bytes, which ours never are."""
    return str(value)


def _number(value: object) -> float | None:
    """A numeric attribute value, ``None`` for a value of another type."""
    return float(value) if isinstance(value, int | float) else None


def _texts(value: object) -> list[str]:
    """A string-array attribute value (one value of another type is shown as itself)."""
    return [_text(item) for item in value] if isinstance(value, list | tuple) else [_text(value)]


# -- trace tree --------------------------------------------------------------------------------------


def _span_details(span: ReadableSpan) -> Text:
    """The key GenAI attributes of a span on one line; ``error.type`` in red."""
    attrs = span.attributes or {}
    parts: list[Text] = []
    provider = attrs.get(A.GEN_AI_PROVIDER_NAME)
    if attrs.get(A.OPENAI_API_TYPE) == A.OpenaiApiTypeValues.RESPONSES:
        provider = f"{provider}/responses"
    model = attrs.get(A.GEN_AI_RESPONSE_MODEL)
    if provider or model:
        parts.append(Text(" ".join(str(v) for v in (provider, model) if v)))
    if A.GEN_AI_USAGE_INPUT_TOKENS in attrs or A.GEN_AI_USAGE_OUTPUT_TOKENS in attrs:
        counts = [
            f"{_text(attrs[key])} {label}"
            for key, label in ((A.GEN_AI_USAGE_INPUT_TOKENS, "in"), (A.GEN_AI_USAGE_OUTPUT_TOKENS, "out"))
            if key in attrs
        ]
        parts.append(Text(" / ".join(counts) + " tokens"))
    if A.GEN_AI_RESPONSE_FINISH_REASONS in attrs:
        parts.append(Text("finish " + ",".join(_texts(attrs[A.GEN_AI_RESPONSE_FINISH_REASONS]))))
    if A.OTEL_LLM_USAGE_COST_USD in attrs:
        parts.append(Text(f"${format_usd(_number(attrs[A.OTEL_LLM_USAGE_COST_USD]))}", style="green"))
    if A.GEN_AI_TOOL_CALL_ID in attrs:
        tool_type, call_id = _text(attrs.get(A.GEN_AI_TOOL_TYPE, "tool")), _text(attrs[A.GEN_AI_TOOL_CALL_ID])
        parts.append(Text(f"{tool_type} call {call_id}"))
    if A.ERROR_TYPE in attrs:
        parts.append(Text(f"error.type {_text(attrs[A.ERROR_TYPE])}", style="bold red"))
    return Text(" · ", style="dim").join(parts)


def _span_label(span: ReadableSpan) -> Group | Text:
    attrs = span.attributes or {}
    duration = ((span.end_time or 0) - (span.start_time or 0)) / 1e9
    failed = span.status.status_code is StatusCode.ERROR
    head = Text.assemble(
        (span.name, "bold red" if failed else "bold"),
        (f"  {span.kind.name}", "dim"),
        f"  {format_seconds(duration)}",
    )
    if A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK in attrs:
        ttft = format_seconds(_number(attrs[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]))
        head.append(f"  stream, time to first chunk {ttft}", style="cyan")
    details = _span_details(span)
    return Group(head, details) if details else head


def render_trace(spans: Sequence[ReadableSpan]) -> Tree:
    """The spans as a tree under their root span(s), children in start order."""
    by_id = {span.context.span_id: span for span in spans}
    children: dict[int | None, list[ReadableSpan]] = {}
    for span in sorted(spans, key=lambda s: s.start_time or 0):
        parent = span.parent.span_id if span.parent and span.parent.span_id in by_id else None
        children.setdefault(parent, []).append(span)
    tree = Tree(Text("trace", style="bold"), guide_style="dim")

    def attach(node: Tree, parent_id: int | None) -> None:
        for span in children.get(parent_id, []):
            attach(node.add(_span_label(span)), span.context.span_id)

    attach(tree, None)
    return tree


# -- metrics summary ---------------------------------------------------------------------------------


@dataclass
class Buckets:
    """An explicit-bucket histogram, merged over attribute sets."""

    bounds: tuple[float, ...]
    counts: list[int]
    minimum: float
    maximum: float

    @classmethod
    def of(cls, point: HistogramDataPoint) -> Buckets:
        return cls(tuple(point.explicit_bounds), list(point.bucket_counts), point.min, point.max)

    def merge(self, point: HistogramDataPoint) -> None:
        if tuple(point.explicit_bounds) != self.bounds:
            raise ValueError("cannot merge histograms with different bucket boundaries")
        self.counts = [a + b for a, b in zip(self.counts, point.bucket_counts, strict=True)]
        self.minimum = min(self.minimum, point.min)
        self.maximum = max(self.maximum, point.max)

    def quantile(self, q: float) -> float | None:
        """Linear interpolation inside the bucket holding rank ``q``, clamped to the recorded min/max."""
        total = sum(self.counts)
        if total == 0:
            return None
        rank = q * total
        cumulative = 0
        for index, count in enumerate(self.counts):
            if count and cumulative + count >= rank:
                lower = max(self.bounds[index - 1] if index > 0 else 0.0, self.minimum)
                upper = min(self.bounds[index] if index < len(self.bounds) else self.maximum, self.maximum)
                return lower + (upper - lower) * (rank - cumulative) / count
            cumulative += count
        return self.maximum


@dataclass
class OperationSummary:
    """The metrics of one ``(gen_ai.operation.name, gen_ai.request.model)`` pair."""

    operation: str
    model: str
    calls: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    durations: Buckets | None = None
    first_chunk: Buckets | None = None

    def p50(self) -> float | None:
        return self.durations.quantile(0.5) if self.durations else None

    def p95(self) -> float | None:
        return self.durations.quantile(0.95) if self.durations else None

    def ttft_p50(self) -> float | None:
        return self.first_chunk.quantile(0.5) if self.first_chunk else None


def _points(data: MetricsData | None) -> Iterable[tuple[str, Any]]:
    for resource_metrics in data.resource_metrics if data else ():
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                for point in metric.data.data_points:
                    yield metric.name, point


def _merge(current: Buckets | None, point: HistogramDataPoint) -> Buckets:
    if current is None:
        return Buckets.of(point)
    current.merge(point)
    return current


def _key(attrs: Any) -> tuple[str, str]:
    return str(attrs[A.GEN_AI_OPERATION_NAME]), str(attrs.get(A.GEN_AI_REQUEST_MODEL, NO_VALUE))


def summarize_metrics(data: MetricsData | None) -> list[OperationSummary]:
    """One summary per operation and requested model that recorded calls, sorted by operation then model.

    Calls come from the duration histogram (every operation records one); the other metrics are
    added to the call's summary. Points without calls in this collection (an asynchronous counter
    reporting an old total, say) make no row.
    """
    points = [(name, point, point.attributes or {}) for name, point in _points(data)]
    points = [(name, point, attrs) for name, point, attrs in points if A.GEN_AI_OPERATION_NAME in attrs]
    summaries: dict[tuple[str, str], OperationSummary] = {}
    for name, point, attrs in points:
        if name == M.GEN_AI_CLIENT_OPERATION_DURATION and point.count:
            summary = summaries.setdefault(_key(attrs), OperationSummary(*_key(attrs)))
            summary.calls += point.count
            summary.durations = _merge(summary.durations, point)
            if A.ERROR_TYPE in attrs:
                summary.errors += point.count
    for name, point, attrs in points:
        found = summaries.get(_key(attrs))
        if found is None:
            continue
        summary = found
        if name == M.GEN_AI_CLIENT_TOKEN_USAGE:
            if attrs.get(A.GEN_AI_TOKEN_TYPE) == A.GenAiTokenTypeValues.INPUT:
                summary.input_tokens += int(point.sum)
            elif attrs.get(A.GEN_AI_TOKEN_TYPE) == A.GenAiTokenTypeValues.OUTPUT:
                summary.output_tokens += int(point.sum)
        elif name == M.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK and point.count:
            summary.first_chunk = _merge(summary.first_chunk, point)
        elif name == M.OTEL_LLM_CLIENT_OPERATION_COST and point.value:
            summary.cost_usd = (summary.cost_usd or 0.0) + point.value
    return [summaries[key] for key in sorted(summaries)]


def format_ms(seconds: float | None) -> str:
    return NO_VALUE if seconds is None else f"{seconds * 1000:.0f}"


SUMMARY_COLUMNS = (
    "calls", "errors", "tokens\nin", "tokens\nout", "p50\nms", "p95\nms", "TTFT\nms", "cost\nUSD"
)


def _summary_row(summary: OperationSummary) -> list[str]:
    return [
        str(summary.calls),
        str(summary.errors),
        str(summary.input_tokens),
        str(summary.output_tokens),
        format_ms(summary.p50()),
        format_ms(summary.p95()),
        format_ms(summary.ttft_p50()),
        format_usd(summary.cost_usd),
    ]


def _total_row(summaries: Sequence[OperationSummary]) -> list[str]:
    costs = [s.cost_usd for s in summaries if s.cost_usd is not None]
    return [
        str(sum(s.calls for s in summaries)),
        str(sum(s.errors for s in summaries)),
        str(sum(s.input_tokens for s in summaries)),
        str(sum(s.output_tokens for s in summaries)),
        "", "", "",
        format_usd(sum(costs)) if costs else NO_VALUE,
    ]


def render_summary(summaries: Sequence[OperationSummary]) -> Table:
    """One row per operation and model, then a total row; numbers are never truncated."""
    rows = [_summary_row(summary) for summary in summaries]
    total = _total_row(summaries)
    table = Table(
        title="Metrics by operation and requested model",
        caption="p50/p95 are estimated from the gen_ai.client.operation.duration "
        "buckets (linear within a bucket, clamped to the recorded min/max); TTFT is the p50 of "
        "gen_ai.client.operation.time_to_first_chunk; cost is otel_llm.client.operation.cost.",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("operation", overflow="fold")
    table.add_column("model", overflow="fold")
    for index, header in enumerate(SUMMARY_COLUMNS):
        widest = max(len(row[index]) for row in [*rows, total])
        table.add_column(header, justify="right", min_width=widest)
    for summary, row in zip(summaries, rows, strict=True):
        errors_style = "bold red" if summary.errors else ""
        table.add_row(summary.operation, summary.model, row[0], Text(row[1], style=errors_style), *row[2:])
    table.add_section()
    table.add_row("total", "", *total, style="bold")
    return table


def render_events(records: Iterable[Any]) -> Text:
    """One line counting the log events (``gen_ai.*`` events emitted through the Logs API) by name."""
    names = Counter(record.event_name or "(unnamed)" for record in records)
    if not names:
        return Text("events: none")
    return Text("events: " + ", ".join(f"{name} x{count}" for name, count in sorted(names.items())))
