"""Online evaluation as a service: poll Jaeger, pick LLM spans (filters, sampling), evaluate the new ones,
and keep a running summary that a gate can read.

Sampling is decided by trace id, as OTel's ``TraceIdRatioBased`` sampler does, so a span is sampled
or not the same way in every poll and every process. Scores that lack content (capture off) are
*not evaluable*: counted apart, never as failures, and left out of pass rates.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace.sampling import TraceIdRatioBased

from otel_llm.evaluation.evaluators.base import Evaluator
from otel_llm.evaluation.evaluators.judge import judge_usage
from otel_llm.evaluation.jaeger import (
    JaegerError,
    JaegerQueryClient,
    OnlineBatchResult,
    SeenSpans,
    evaluate_jaeger_traces,
)
from otel_llm.evaluation.online import NOT_EVALUABLE
from otel_llm.evaluation.results import EvaluatorSummary
from otel_llm.evaluation.spans import SpanView
from otel_llm.evaluation.thresholds import Threshold
from otel_llm.semconv.attributes import GEN_AI_OPERATION_NAME, GEN_AI_REQUEST_MODEL, GEN_AI_RESPONSE_MODEL

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpanFilter:
    """Which LLM spans to evaluate: any of ``models`` (request or response model), any of
    ``operations`` (``gen_ai.operation.name``), and every ``attributes`` key with its value (as text)."""

    models: frozenset[str] = frozenset()
    operations: frozenset[str] = frozenset()
    attributes: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, span: SpanView) -> bool:
        attrs = span.attributes
        if (
            self.models
            and not {attrs.get(GEN_AI_REQUEST_MODEL), attrs.get(GEN_AI_RESPONSE_MODEL)} & self.models
        ):
            return False
        if self.operations and attrs.get(GEN_AI_OPERATION_NAME) not in self.operations:
            return False
        return all(str(attrs.get(key)) == value for key, value in self.attributes.items())

    @classmethod
    def parse(cls, models: Sequence[str], operations: Sequence[str], attributes: Sequence[str]) -> SpanFilter:
        pairs = {}
        for item in attributes:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise ValueError(f"bad attribute filter {item!r}; expected KEY=VALUE")
            pairs[key] = value
        return cls(frozenset(models), frozenset(operations), pairs)


def trace_sampler(rate: float) -> Callable[[int], bool]:
    """Whether a trace id is sampled at ``rate``: the lower 64 bits against OTel's ratio bound."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"sample rate must be within [0, 1], got {rate}")
    bound = TraceIdRatioBased(rate).bound
    return lambda trace_id: (trace_id & TraceIdRatioBased.TRACE_ID_LIMIT) < bound


@dataclass
class _Tally:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    not_evaluable: int = 0
    total: float = 0.0
    valued: int = 0

    def summary(self, name: str) -> EvaluatorSummary:
        """Over the evaluable scores only: a span without content neither passes nor fails."""
        mean = round(self.total / self.valued, 6) if self.valued else None
        count = self.passed + self.failed + self.errors
        return EvaluatorSummary(name, count, self.passed, self.failed, self.errors, mean)


@dataclass
class OnlineSummary:
    """Running totals of an online evaluation, across batches (written as JSON with ``--json``)."""

    batches: int = 0
    failed_batches: int = 0
    traces: int = 0
    evaluated_spans: int = 0
    skipped_seen: int = 0
    filtered_out: int = 0
    not_sampled: int = 0
    tallies: dict[str, _Tally] = field(default_factory=dict)

    def add(self, batch: OnlineBatchResult) -> None:
        self.batches += 1
        self.traces += batch.traces
        self.evaluated_spans += len(batch.evaluated)
        self.skipped_seen += batch.skipped
        self.filtered_out += batch.filtered_out
        self.not_sampled += batch.not_sampled
        for item in batch.evaluated:
            for score in item.scores:
                tally = self.tallies.setdefault(score.name, _Tally())
                if score.label == NOT_EVALUABLE and score.passed is None:
                    tally.not_evaluable += 1
                    continue
                if score.error_type:
                    tally.errors += 1
                elif score.passed:
                    tally.passed += 1
                else:
                    tally.failed += 1
                if score.value is not None:
                    tally.total += score.value
                    tally.valued += 1

    def summaries(self) -> dict[str, EvaluatorSummary]:
        return {name: tally.summary(name) for name, tally in self.tallies.items()}

    def to_dict(
        self, evaluators: Sequence[Evaluator], thresholds: Sequence[dict[str, Any]]
    ) -> dict[str, Any]:
        return {
            "format": "otel-llm.evaluation.online/1",
            "batches": self.batches,
            "failed_batches": self.failed_batches,
            "traces": self.traces,
            "evaluated_spans": self.evaluated_spans,
            "skipped_seen": self.skipped_seen,
            "filtered_out": self.filtered_out,
            "not_sampled": self.not_sampled,
            "evaluators": {
                name: {**tally.summary(name).to_dict(), "not_evaluable": tally.not_evaluable}
                for name, tally in self.tallies.items()
            },
            "judge": judge_usage(evaluators),
            "thresholds": list(thresholds),
            "passed": all(check["passed"] for check in thresholds),
        }


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Replace ``path`` atomically: a reader (a cron gate, a dashboard) never sees half a summary."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, path)


@dataclass
class Follower:
    """Polls ``client`` for the service's recent traces and evaluates what is new; see the module doc."""

    client: JaegerQueryClient
    service: str
    evaluators: Sequence[Evaluator]
    lookback: timedelta
    limit: int = 100
    seen: SeenSpans = field(default_factory=SeenSpans)
    span_filter: SpanFilter = field(default_factory=SpanFilter)
    sample_rate: float = 1.0
    thresholds: Sequence[Threshold] = ()
    summary: OnlineSummary = field(default_factory=OnlineSummary)

    def poll(self) -> OnlineBatchResult:
        batch = evaluate_jaeger_traces(
            self.client,
            self.service,
            self.lookback,
            self.evaluators,
            self.limit,
            self.seen,
            self.span_filter,
            trace_sampler(self.sample_rate),
        )
        self.summary.add(batch)
        return batch

    def checks(self) -> list[dict[str, Any]]:
        summaries = self.summary.summaries()
        return [threshold.check(summaries) for threshold in self.thresholds]

    def report(self) -> dict[str, Any]:
        return self.summary.to_dict(self.evaluators, self.checks())

    def follow(
        self,
        interval: float,
        stop: threading.Event,
        max_batches: int | None = None,
        on_batch: Callable[[OnlineBatchResult | None, str | None], None] | None = None,
    ) -> None:
        """Poll every ``interval`` seconds until ``stop`` is set (or ``max_batches`` polls); a Jaeger
        that cannot be reached costs that poll only."""
        polls = 0
        while not stop.is_set() and (max_batches is None or polls < max_batches):
            polls += 1
            try:
                batch, problem = self.poll(), None
            except JaegerError as exc:
                self.summary.failed_batches += 1
                batch, problem = None, str(exc)
            if on_batch is not None:
                on_batch(batch, problem)
            if max_batches is None or polls < max_batches:
                stop.wait(interval)
