"""Regressions between two runs, with a verdict that tolerates noise.

Examples are matched by id and evaluators by name. Per evaluator, each example's outcome is the share
of its attempts that passed (1 or 0 without ``--repeat``). Over the examples both runs share, the
change is tested pairwise: with McNemar's exact test when every outcome is 1 or 0, else with a paired
bootstrap of the mean outcome (which also gives the 95% interval in both cases). An evaluator
regressed when its pass rate fell by more than the tolerance *and* the fall is significant (p-value
below ``alpha``). Per example, a regression is an outcome that fell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np

from otel_llm.evaluation.results import (
    APP_VERSION,
    PROMPT_VERSION,
    TESTS,
    EvaluationRun,
    EvaluatorSummary,
    ExampleResult,
    version_of,
)

BOOTSTRAP_RESAMPLES = 10_000
_CHUNK = 500


@dataclass(frozen=True)
class Significance:
    """A paired test of the mean change of per-example outcomes (after - before)."""

    examples: int
    delta: float
    low: float
    """2.5th percentile of the bootstrap's resampled mean changes (with ``high``: the 95% interval)."""
    high: float
    p_value: float
    """Two-sided p-value of ``test``."""
    test: str = "bootstrap"
    """``mcnemar`` (exact, for outcomes that are all 1 or 0) or ``bootstrap``."""

    def to_dict(self) -> dict[str, object]:
        return {key: round(v, 6) if isinstance(v, float) else v for key, v in asdict(self).items()}


def mcnemar_p_value(fell: int, rose: int) -> float:
    """McNemar's exact test: two-sided binomial p-value of ``fell`` pass->fail against ``rose`` fail->pass."""
    discordant = fell + rose
    if discordant == 0:
        return 1.0
    tail = sum(math.comb(discordant, i) for i in range(min(fell, rose) + 1)) / 2**discordant
    return min(1.0, 2 * tail)


def paired_test(
    before: Sequence[float], after: Sequence[float], resamples: int = BOOTSTRAP_RESAMPLES
) -> Significance:
    """McNemar for binary outcomes, else the bootstrap p-value; the interval is the bootstrap's."""
    result = paired_bootstrap(before, after, resamples)
    if all(value in (0.0, 1.0) for value in (*before, *after)):
        fell = sum(1 for b, a in zip(before, after) if b > a)
        rose = sum(1 for b, a in zip(before, after) if a > b)
        return replace(result, p_value=mcnemar_p_value(fell, rose), test="mcnemar")
    return result


def paired_bootstrap(
    before: Sequence[float], after: Sequence[float], resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> Significance:
    """Resample the examples with replacement ``resamples`` times; ``seed`` makes the verdict repeatable."""
    differences = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    count = len(differences)
    if count == 0:
        return Significance(0, 0.0, 0.0, 0.0, 1.0)
    rng = np.random.default_rng(seed)
    means = np.concatenate(
        [
            differences[rng.integers(0, count, (min(_CHUNK, resamples - start), count))].mean(axis=1)
            for start in range(0, resamples, _CHUNK)
        ]
    )
    delta = float(differences.mean())
    if not differences.any():
        return Significance(count, 0.0, 0.0, 0.0, 1.0)
    tail = min(float((means <= 0).mean()), float((means >= 0).mean()))
    low, high = np.percentile(means, [2.5, 97.5])
    return Significance(count, delta, float(low), float(high), min(1.0, 2 * tail))


@dataclass(frozen=True)
class EvaluatorChange:
    name: str
    before: EvaluatorSummary | None
    after: EvaluatorSummary | None
    significance: Significance | None = None
    tolerance: float = 0.0
    alpha: float = 0.05

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
    def significant(self) -> bool:
        return self.significance is not None and self.significance.p_value < self.alpha

    @property
    def regressed(self) -> bool:
        """The pass rate fell by more than the tolerance, and the paired test says it is no accident."""
        return (self.pass_rate_delta or 0.0) < -self.tolerance and self.significant

    @property
    def improved(self) -> bool:
        return (self.pass_rate_delta or 0.0) > self.tolerance and self.significant

    @property
    def verdict(self) -> str:
        if self.before is None or self.after is None:
            return "only in one run"
        if self.regressed:
            return "regressed"
        if self.improved:
            return "improved"
        delta = self.pass_rate_delta or 0.0
        if abs(delta) <= self.tolerance:
            return "unchanged" if delta == 0 else "within tolerance"
        return "not significant"

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "before": None if self.before is None else self.before.to_dict(),
            "after": None if self.after is None else self.after.to_dict(),
            "pass_rate_delta": self.pass_rate_delta,
            "mean_delta": self.mean_delta,
            "significance": None if self.significance is None else self.significance.to_dict(),
            "verdict": self.verdict,
        }


@dataclass(frozen=True)
class ExampleChange:
    """One example whose outcome for one evaluator changed; outcomes are pass shares over attempts."""

    example_id: str
    evaluator: str
    before: float
    after: float
    explanation: str | None
    """Why the after run's last failing attempt failed (or passed, for an improvement)."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Comparison:
    before: EvaluationRun
    after: EvaluationRun
    evaluators: list[EvaluatorChange]
    regressions: list[ExampleChange]
    improvements: list[ExampleChange]
    only_before: list[str]
    only_after: list[str]
    tolerance: float = 0.0
    alpha: float = 0.05
    by: str | None = None
    """The version key the two sides were split by (``eval compare --by``), if any."""

    def version_changes(self) -> list[str]:
        """The versions of each side: ``app 1.4.1 -> 1.4.2``, ``prompt v6 -> v7``, ``model m (both)``."""
        was, now = self.before.versions(), self.after.versions()
        lines = []
        for key in ("app", "prompt", "model"):
            if not was[key] and not now[key]:
                continue
            old, new = ", ".join(was[key]) or "-", ", ".join(now[key]) or "-"
            lines.append(f"{key} {old} (both)" if old == new else f"{key} {old} -> {new}")
        return lines

    @property
    def has_regressions(self) -> bool:
        """Whether an evaluator (or the tests' verdicts) regressed: significantly, beyond the tolerance."""
        return any(change.regressed for change in self.evaluators)

    def to_dict(self) -> dict[str, object]:
        return {
            "format": "otel-llm.evaluation.comparison/1",
            "before": self.before.name,
            "after": self.after.name,
            "tolerance": self.tolerance,
            "alpha": self.alpha,
            "by": self.by,
            "versions": {"before": self.before.versions(), "after": self.after.versions()},
            "regressed": self.has_regressions,
            "evaluators": [change.to_dict() for change in self.evaluators],
            "regressions": [change.to_dict() for change in self.regressions],
            "improvements": [change.to_dict() for change in self.improvements],
            "only_before": self.only_before,
            "only_after": self.only_after,
        }


def _ids(run: EvaluationRun) -> dict[str, None]:
    return dict.fromkeys(example.id for example in run.examples)


def _explanation(run: EvaluationRun, example_id: str, name: str, passed: bool) -> str | None:
    scores = [s for e in run.examples if e.id == example_id and (s := e.score(name)) is not None]
    matching = [s for s in scores if bool(s.passed) is passed] or scores
    last = matching[-1] if matching else None
    return None if last is None else (last.explanation or last.error_type)


def compare_runs(
    before: EvaluationRun,
    after: EvaluationRun,
    tolerance: float = 0.0,
    alpha: float = 0.05,
    resamples: int = BOOTSTRAP_RESAMPLES,
    by: str | None = None,
) -> Comparison:
    """Compare ``after`` with ``before``: ``tolerance`` is the fall of pass rate (0.02: two points) that
    never counts as a regression; ``alpha`` the significance level of the paired bootstrap."""
    summaries_before, summaries_after = before.summaries(), after.summaries()
    names = list(dict.fromkeys([*before.evaluators, *after.evaluators, TESTS]))
    evaluators: list[EvaluatorChange] = []
    regressions: list[ExampleChange] = []
    improvements: list[ExampleChange] = []
    for name in names:
        was, now = before.outcomes(name), after.outcomes(name)
        shared = [ident for ident in was if ident in now]
        significance = (
            paired_test([was[i] for i in shared], [now[i] for i in shared], resamples) if shared else None
        )
        change = EvaluatorChange(
            name, summaries_before.get(name), summaries_after.get(name), significance, tolerance, alpha
        )
        if was or now:  # `tests` of reports written before verdicts existed: left out
            evaluators.append(change)
        for ident in shared:
            if now[ident] == was[ident]:
                continue
            fell = now[ident] < was[ident]
            example = ExampleChange(
                ident, name, was[ident], now[ident], _explanation(after, ident, name, not fell)
            )
            (regressions if fell else improvements).append(example)
    before_ids, after_ids = _ids(before), _ids(after)
    return Comparison(
        before=before,
        after=after,
        evaluators=evaluators,
        regressions=regressions,
        improvements=improvements,
        only_before=[ident for ident in before_ids if ident not in after_ids],
        only_after=[ident for ident in after_ids if ident not in before_ids],
        tolerance=tolerance,
        alpha=alpha,
        by=by,
    )


def split_by(runs: Sequence[EvaluationRun], key: str) -> dict[str, EvaluationRun]:
    """The examples of ``runs``, pooled and split by their version ``key`` (``app``, ``prompt``,
    ``model`` or a metadata field; see ``version_of``), one run per value, in order of first appearance.

    Examples without a value are left out. Within one value, results of one example id from several
    runs count as attempts of that example, as ``--repeat`` attempts do.
    """
    groups: dict[str, list[tuple[EvaluationRun, ExampleResult]]] = {}
    for run in runs:
        # the run's own versions travel with each example, so a pooled example keeps them
        carried = {k: run.metadata[k] for k in (APP_VERSION, PROMPT_VERSION) if run.metadata.get(k)}
        for example in run.examples:
            value = version_of(run, example, key)
            if value is not None:
                pooled = replace(example, metadata={**carried, **example.metadata})
                groups.setdefault(value, []).append((run, pooled))
    metadata_key = {"app": APP_VERSION, "prompt": PROMPT_VERSION}.get(key, key)
    split = {}
    for value, members in groups.items():
        sources = list({id(run): run for run, _ in members}.values())
        split[value] = EvaluationRun(
            name=f"{key} {value}",
            dataset=sources[0].dataset,
            target=sources[0].target,
            evaluators=list(dict.fromkeys(name for run in runs for name in run.evaluators)),
            examples=[example for _, example in members],
            started_at=sources[0].started_at,
            duration_s=sum(run.duration_s for run in sources),
            metadata={metadata_key: value, "runs": [run.name for run in sources]},
            repeat=max(run.repeat for run in runs),
        )
    return split
