"""The outcome of an evaluation run: per-example scores, per-evaluator summaries, JSON round trip."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import fmean
from typing import Any

from otel_llm.evaluation.model import Score

FORMAT = "otel-llm.evaluation.run/1"
TESTS = "tests"
"""The name under which summaries and thresholds refer to the examples' own verdicts."""


def write_text(path: str | Path, text: str, errors: str = "replace") -> Path:
    """Write a report as UTF-8, creating its folder; a lone surrogate becomes ``errors`` says."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8", errors))
    return path


def fmt(value: float | None, digits: int = 3) -> str:
    """A score for display: fixed digits, ``-`` when absent."""
    return "-" if value is None else f"{value:.{digits}f}"


@dataclass
class ExampleResult:
    """One example: what went in, what came out, where its telemetry is, and its scores."""

    id: str
    input: str
    expected: str | None
    output: str | None
    scores: list[Score]
    duration_s: float
    error: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    """Id of the evaluated LLM span (hex), the parent of the evaluation events."""
    response_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    passed: bool | None = None
    """The example's verdict: every counted assertion passed, or ``weighted_score`` reached its threshold."""
    weighted_score: float | None = None
    """Weighted share of the example's assertions that passed."""
    attempt: int = 0
    """Which run of the example this is, when each ran several times (``--repeat``)."""
    model: str | None = None
    """Model of the evaluated LLM span (response model, else request model)."""
    input_tokens: int | None = None
    """Summed over the example's LLM spans (judge calls excluded), when they report usage."""
    output_tokens: int | None = None
    cost_usd: float | None = None
    prompt_name: str | None = None
    """``gen_ai.prompt.name`` of the evaluated LLM span (set by ``otel_llm.prompt``)."""
    prompt_version: str | None = None
    """``gen_ai.prompt.version`` of the evaluated LLM span."""

    @property
    def verdict(self) -> Score | None:
        """The example's verdict as a score named ``tests`` (``None`` when it has no counted assertion)."""
        if self.passed is None:
            return None
        return Score(TESTS, self.weighted_score, "pass" if self.passed else "fail", passed=self.passed)

    def score(self, name: str) -> Score | None:
        if name == TESTS:
            return self.verdict
        return next((score for score in self.scores if score.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}  # shallow: asdict is slow
        data["scores"] = [score.to_dict() for score in self.scores]
        data["metadata"] = dict(self.metadata)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExampleResult:
        fields: dict[str, Any] = {key: data.get(key) for key in cls.__dataclass_fields__}  # JSON values
        fields["scores"] = [Score.from_dict(score) for score in data.get("scores", [])]
        fields["metadata"] = dict(fields["metadata"] or {})
        return cls(**fields)


@dataclass(frozen=True)
class EvaluatorSummary:
    """Aggregate of one evaluator over a run. ``mean`` ignores errors; ``pass_rate`` counts them as fails."""

    name: str
    count: int
    passed: int
    failed: int
    errors: int
    mean: float | None

    @property
    def pass_rate(self) -> float:
        return self.passed / self.count if self.count else 0.0

    @classmethod
    def of(cls, name: str, scores: Sequence[Score]) -> EvaluatorSummary:
        values = [score.value for score in scores if score.error_type is None and score.value is not None]
        return cls(
            name=name,
            count=len(scores),
            passed=sum(1 for score in scores if score.passed is True),
            failed=sum(1 for score in scores if score.passed is False),
            errors=sum(1 for score in scores if score.error_type is not None),
            mean=round(fmean(values), 6) if values else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "pass_rate": round(self.pass_rate, 6)}


NO_SEGMENT = "(none)"
"""The segment of examples whose metadata lacks the grouping field."""


@dataclass(frozen=True)
class Gap:
    """Spread of one evaluator's pass rate across the segments of a field: best minus worst."""

    name: str
    best: str
    worst: str
    gap: float

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "gap": round(self.gap, 6)}


@dataclass(frozen=True)
class Segments:
    """Summaries per value of one metadata field, and per evaluator the gap between segments."""

    field: str
    groups: dict[str, dict[str, EvaluatorSummary]]

    @property
    def gaps(self) -> dict[str, Gap]:
        names = dict.fromkeys(name for summaries in self.groups.values() for name in summaries)
        gaps = {}
        for name in names:
            rates = {
                segment: summaries[name].pass_rate
                for segment, summaries in self.groups.items()
                if name in summaries and summaries[name].count
            }
            if len(rates) >= 2:
                best, worst = max(rates, key=rates.__getitem__), min(rates, key=rates.__getitem__)
                gaps[name] = Gap(name, best, worst, rates[best] - rates[worst])
        return gaps

    def to_dict(self) -> dict[str, Any]:
        return {
            "groups": {
                segment: {name: summary.to_dict() for name, summary in summaries.items()}
                for segment, summaries in self.groups.items()
            },
            "gaps": {name: gap.to_dict() for name, gap in self.gaps.items()},
        }


def segment_of(example: ExampleResult, field_name: str) -> str:
    value = example.metadata.get(field_name)
    return NO_SEGMENT if value is None or value == "" else str(value)


APP_VERSION = "app_version"
"""Run metadata key of the app's version (the resource's ``service.version``, or ``--app-version``)."""
PROMPT_VERSION = "prompt_version"
"""Metadata key of a prompt version given by the suite or dataset (spans' ``gen_ai.prompt.version`` win)."""
VERSION_KEYS = ("app", "prompt", "model")
"""What ``eval compare --by`` groups by, besides any metadata field."""


def _known(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def version_of(run: EvaluationRun, example: ExampleResult, key: str) -> str | None:
    """One example's ``key``: ``app`` (run or example metadata ``app_version``), ``prompt`` (its span's
    ``gen_ai.prompt.version``, else metadata ``prompt_version``), ``model`` (its span's model), or the
    example's (else the run's) metadata field ``key``."""
    if key == "model":
        return _known(example.model)
    if key == "prompt":
        return _known(example.prompt_version) or version_of(run, example, PROMPT_VERSION)
    field_name = APP_VERSION if key == "app" else key
    return _known(example.metadata.get(field_name)) or _known(run.metadata.get(field_name))


@dataclass
class EvaluationRun:
    """Everything one run produced, as written to (and read back from) its JSON report."""

    name: str
    dataset: str | None
    target: str | None
    evaluators: list[str]
    examples: list[ExampleResult]
    started_at: str
    duration_s: float
    thresholds: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    """About the run: description, model, prompt version, git revision, whatever the suite sets."""
    group_by: list[str] = field(default_factory=list)
    """Metadata fields whose segments the reports summarise apart."""
    repeat: int = 1
    """How many times each example ran; ``examples`` then holds one result per attempt."""
    judge: dict[str, Any] = field(default_factory=dict)
    """Calls, cache hits, tokens and cost of the model-graded evaluators (empty without any)."""

    def totals(self) -> dict[str, Any]:
        """Token and cost totals over the examples that report them, and the models seen."""

        def total(values: list[Any]) -> Any:
            known = [value for value in values if value is not None]
            return sum(known) if known else None

        cost = total([e.cost_usd for e in self.examples])
        return {
            "input_tokens": total([e.input_tokens for e in self.examples]),
            "output_tokens": total([e.output_tokens for e in self.examples]),
            "cost_usd": None if cost is None else round(cost, 10),
            "models": sorted({e.model for e in self.examples if e.model}),
        }

    def versions(self) -> dict[str, Any]:
        """The app, prompt and model versions the examples of the run were evaluated under."""

        def seen(key: str) -> list[str]:
            return sorted({v for e in self.examples if (v := version_of(self, e, key)) is not None})

        return {
            "app": seen("app"),
            "prompt": seen("prompt"),
            "prompt_name": sorted({e.prompt_name for e in self.examples if e.prompt_name}),
            "model": seen("model"),
        }

    def outcomes(self, name: str = TESTS) -> dict[str, float]:
        """Per example id, the share of its attempts whose score ``name`` passed (1 or 0 without repeats)."""
        attempts: dict[str, list[bool]] = {}
        for example in self.examples:
            score = example.score(name)
            if score is not None:
                attempts.setdefault(example.id, []).append(score.passed is True)
        return {ident: sum(passes) / len(passes) for ident, passes in attempts.items()}

    def pass_at_k(self) -> dict[int, float]:
        """pass@k of the examples' verdicts for k = 1..repeat: the chance that at least one of k attempts
        passes, by the unbiased estimator of Chen et al. (2021), averaged over examples."""
        attempts: dict[str, list[bool]] = {}
        for example in self.examples:
            if example.passed is not None:
                attempts.setdefault(example.id, []).append(example.passed)
        if not attempts:
            return {}
        result = {}
        for k in range(1, self.repeat + 1):
            values = [
                1.0 - math.comb(len(p) - sum(p), k) / math.comb(len(p), k)
                for p in attempts.values()
                if len(p) >= k
            ]
            result[k] = round(fmean(values), 6)
        return result

    def flaky(self) -> list[str]:
        """Ids of the examples whose attempts disagree: some passed, some did not."""
        return [ident for ident, share in self.outcomes().items() if 0 < share < 1]

    def summaries(self) -> dict[str, EvaluatorSummary]:
        """Per evaluator, over the examples it ran on, then ``tests``: the examples' own verdicts."""
        return self._summaries(self.examples, keep_empty=True)

    def _summaries(self, examples: Sequence[ExampleResult], keep_empty: bool) -> dict[str, EvaluatorSummary]:
        grouped: dict[str, list[Score]] = {name: [] for name in (*self.evaluators, TESTS)}
        for example in examples:  # one pass: names are unique within an example, `tests` is reserved
            for score in example.scores:
                if score.name in grouped:
                    grouped[score.name].append(score)
            verdict = example.verdict
            if verdict is not None:
                grouped[TESTS].append(verdict)
        return {
            name: EvaluatorSummary.of(name, scores)
            for name, scores in grouped.items()
            if scores or keep_empty
        }

    def segments(self, field_name: str) -> Segments:
        """The run's summaries per value of metadata field ``field_name`` (in order of first appearance)."""
        grouped: dict[str, list[ExampleResult]] = {}
        for example in self.examples:
            grouped.setdefault(segment_of(example, field_name), []).append(example)
        return Segments(field_name, {seg: self._summaries(group, False) for seg, group in grouped.items()})

    @property
    def passed(self) -> bool:
        """Whether every threshold checked on this run held (true when none were set)."""
        return all(check["passed"] for check in self.thresholds)

    def assert_passed(self) -> None:
        """For tests (pytest): raise ``AssertionError`` naming every threshold that failed."""
        failed = [f"{c['threshold']} (actual {fmt(c['actual'])})" for c in self.thresholds if not c["passed"]]
        if failed:
            raise AssertionError(f"evaluation {self.name} failed: " + "; ".join(failed))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "dataset": self.dataset,
            "target": self.target,
            "started_at": self.started_at,
            "duration_s": self.duration_s,
            "evaluators": self.evaluators,
            "summary": {name: summary.to_dict() for name, summary in self.summaries().items()},
            "thresholds": self.thresholds,
            "metadata": self.metadata,
            "totals": self.totals(),
            "versions": self.versions(),
            "judge": self.judge,
            "group_by": self.group_by,
            "segments": {name: self.segments(name).to_dict() for name in self.group_by},
            "repeat": self.repeat,
            "pass_at_k": {str(k): value for k, value in self.pass_at_k().items()} if self.repeat > 1 else {},
            "flaky": self.flaky() if self.repeat > 1 else [],
            "passed": self.passed,
            "examples": [example.to_dict() for example in self.examples],
        }

    def save(self, path: str | Path) -> Path:
        text = json.dumps(self.to_dict(), ensure_ascii=False) + "\n"  # compact: the C encoder
        # A lone surrogate (from a model's broken output) is written as its JSON escape: it reads back.
        return write_text(path, text, "backslashreplace")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvaluationRun:
        if data.get("format") != FORMAT:
            raise ValueError(f"not an otel-llm evaluation report (format {data.get('format')!r})")
        return cls(
            name=data["name"],
            dataset=data.get("dataset"),
            target=data.get("target"),
            evaluators=list(data["evaluators"]),
            examples=[ExampleResult.from_dict(example) for example in data["examples"]],
            started_at=data["started_at"],
            duration_s=data["duration_s"],
            thresholds=list(data.get("thresholds", [])),
            metadata=dict(data.get("metadata") or {}),
            group_by=list(data.get("group_by") or []),
            repeat=int(data.get("repeat") or 1),
            judge=dict(data.get("judge") or {}),
        )

    @classmethod
    def load(cls, path: str | Path) -> EvaluationRun:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
