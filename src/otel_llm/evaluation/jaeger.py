"""Batch evaluation of recent traces pulled from Jaeger's HTTP query API (``/api/traces``).

Scores are emitted with the original trace and span ids as parent, so they land beside the trace.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from otel_llm.evaluation.evaluators.base import Evaluator
from otel_llm.evaluation.model import Score
from otel_llm.evaluation.online import evaluate_span
from otel_llm.evaluation.spans import SpanEvent, SpanView
from otel_llm.evaluation.telemetry import ScoreRecorder
from otel_llm.semconv.attributes import OtelLlmEvaluationSourceValues

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(s|m|h|d)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_EVENT_FIELD = "event"


def parse_lookback(text: str) -> timedelta:
    """``90s``, ``15m``, ``1h`` or ``2d`` as a timedelta."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"bad lookback {text!r}; use e.g. 90s, 15m, 1h or 2d")
    return timedelta(**{_UNITS[match[2]]: float(match[1])})


def _tags(tags: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {tag["key"]: tag.get("value") for tag in tags}


def span_from_jaeger(raw: Mapping[str, Any]) -> SpanView:
    """A :class:`SpanView` of one span of Jaeger's JSON model (times in microseconds)."""
    parent = next((ref for ref in raw.get("references") or () if ref.get("refType") == "CHILD_OF"), None)
    events = []
    for log in raw.get("logs") or ():
        fields = _tags(log.get("fields") or ())
        name = str(fields.pop(_EVENT_FIELD, ""))
        events.append(SpanEvent(name, fields))
    start_us = int(raw["startTime"])
    return SpanView(
        name=raw.get("operationName", ""),
        trace_id=int(raw["traceID"], 16),
        span_id=int(raw["spanID"], 16),
        start_ns=start_us * 1000,
        end_ns=(start_us + int(raw.get("duration", 0))) * 1000,
        attributes=_tags(raw.get("tags") or ()),
        events=tuple(events),
        parent_span_id=int(parent["spanID"], 16) if parent else None,
    )


def descendants(span: SpanView, trace_spans: Sequence[SpanView]) -> list[SpanView]:
    """Spans of the trace below ``span`` (children, grandchildren, ...)."""
    children: dict[int, list[SpanView]] = {}
    for candidate in trace_spans:
        if candidate.parent_span_id is not None:
            children.setdefault(candidate.parent_span_id, []).append(candidate)
    found: list[SpanView] = []
    pending = [span.span_id]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child.span_id)
    return found


class JaegerError(RuntimeError):
    """Jaeger could not be reached or queried; the message is one line for the user."""


class JaegerQueryClient:
    """Reads traces from a Jaeger query service (``http://127.0.0.1:16686`` by default)."""

    def __init__(self, base_url: str = "http://127.0.0.1:16686", timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def find_traces(
        self, service: str, lookback: timedelta, limit: int = 100, operation: str | None = None
    ) -> list[list[SpanView]]:
        """Traces of ``service`` that started within ``lookback``, newest first as Jaeger returns them."""
        end_us = int(time.time() * 1_000_000)
        params = {
            "service": service,
            "start": end_us - int(lookback.total_seconds() * 1_000_000),
            "end": end_us,
            "limit": limit,
        }
        if operation:
            params["operation"] = operation
        url = f"{self.base_url}/api/traces?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                payload = json.load(response)
        except urllib.error.HTTPError as exc:
            raise JaegerError(f"Jaeger at {self.base_url} answered HTTP {exc.code}: {exc.reason}") from exc
        except urllib.error.URLError as exc:
            raise JaegerError(f"cannot reach Jaeger at {self.base_url}: {exc.reason}") from exc
        except (OSError, ValueError) as exc:  # timeouts, resets, a body that is not JSON
            raise JaegerError(f"cannot read traces from Jaeger at {self.base_url}: {exc}") from exc
        if not isinstance(payload, dict):
            raise JaegerError(f"Jaeger at {self.base_url} answered something other than a JSON object")
        if payload.get("errors"):
            raise JaegerError(f"Jaeger query failed: {payload['errors']}")
        return [
            [span_from_jaeger(span) for span in item.get("spans", [])] for item in payload.get("data") or []
        ]


@dataclass
class SpanScores:
    span: SpanView
    scores: list[Score]


@dataclass
class OnlineBatchResult:
    traces: int = 0
    evaluated: list[SpanScores] = field(default_factory=list)
    skipped: int = 0
    """LLM spans left out because an earlier batch had evaluated them."""
    filtered_out: int = 0
    """LLM spans the span filter left out."""
    not_sampled: int = 0
    """LLM spans of traces the sampling rate left out."""


def span_key(span: SpanView) -> str:
    return f"{span.trace_id:032x}:{span.span_id:016x}"


class SeenSpans:
    """Keys of the spans already evaluated, kept in a text file (one per line, newest last, bounded);
    in memory only without a path."""

    def __init__(self, path: Path | None = None, keep: int = 100_000) -> None:
        self.path = path
        self.keep = keep
        lines = path.read_text(encoding="utf-8").split() if path is not None and path.exists() else []
        self._keys = dict.fromkeys(lines[-keep:])

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def add(self, key: str) -> None:
        self._keys[key] = None
        if len(self._keys) > 2 * self.keep:  # a long-running follower stays bounded in memory too
            self._keys = dict.fromkeys(list(self._keys)[-self.keep :])

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("".join(f"{key}\n" for key in list(self._keys)[-self.keep :]), encoding="utf-8")


def evaluate_jaeger_traces(
    client: JaegerQueryClient,
    service: str,
    lookback: timedelta,
    evaluators: Sequence[Evaluator],
    limit: int = 100,
    seen: SeenSpans | None = None,
    span_filter: Callable[[SpanView], bool] | None = None,
    sampled: Callable[[int], bool] | None = None,
) -> OnlineBatchResult:
    """Evaluate every LLM span of the service's recent traces; each score is parented to its span.

    With ``seen``, spans evaluated by an earlier batch are skipped and the new ones recorded in it.
    ``span_filter`` picks spans, ``sampled`` traces (by trace id); both are decided anew each batch.
    """
    recorder = ScoreRecorder(OtelLlmEvaluationSourceValues.ONLINE)
    traces = client.find_traces(service, lookback, limit)
    result = OnlineBatchResult(traces=len(traces))
    for spans in traces:
        for span in filter(lambda s: s.is_llm, spans):
            if seen is not None and span_key(span) in seen:
                result.skipped += 1
                continue
            if span_filter is not None and not span_filter(span):
                result.filtered_out += 1
                continue
            if sampled is not None and not sampled(span.trace_id):
                result.not_sampled += 1
                continue
            scores = evaluate_span(span, evaluators, recorder, descendants(span, spans))
            result.evaluated.append(SpanScores(span, scores))
            if seen is not None:
                seen.add(span_key(span))
    if seen is not None:
        seen.save()
    return result
