"""Applying a policy to texts: the provider-agnostic seam used by explicit checks and instrumentation."""

from __future__ import annotations

import logging
import time
import typing
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from opentelemetry import context as otel_context

from otel_llm.guardrails.policy import Policy, Rule
from otel_llm.guardrails.redaction import redact
from otel_llm.guardrails.results import (
    OUTCOME_SEVERITY,
    Action,
    CheckResult,
    DetectorError,
    Finding,
    GuardrailViolation,
    Match,
    Outcome,
    Source,
)
from otel_llm.guardrails.telemetry import GuardrailTelemetry

logger = logging.getLogger(__name__)
_ACTION_OUTCOME = {action: Outcome(action.value) for action in Action}
MAX_HOLD = 16_384
"""The most characters a stream holds back for a match that may still be growing (a PEM block)."""


@dataclass
class RuleRun:
    """One rule applied to one text."""

    rule: Rule
    outcome: Outcome
    seconds: float
    matches: list[Match] = field(default_factory=list)
    error: DetectorError | None = None


def run_rule(policy: Policy, rule: Rule, text: str) -> RuleRun:
    """Run ``rule``'s detector; a raising detector yields ERROR (fail open) or BLOCK (fail closed)."""
    start = time.perf_counter()
    try:
        matches = checked_matches(rule.detector.detect(text), len(text))
    except Exception as exc:
        outcome = Outcome.ERROR if policy.fails_open(rule) else Outcome.BLOCK
        # the exception text may quote the checked content: log its type only
        logger.warning(
            "guardrail rule %r: detector %r raised %s", rule.id, rule.detector.name, type(exc).__name__
        )
        return RuleRun(
            rule,
            outcome,
            time.perf_counter() - start,
            error=DetectorError(rule.id, type(exc).__name__, outcome),
        )
    outcome = _ACTION_OUTCOME[rule.action] if matches else Outcome.PASS  # type: ignore[index]
    return RuleRun(rule, outcome, time.perf_counter() - start, matches)


def checked_matches(found: object, length: int) -> list[Match]:
    """A detector's result as a list of matches within the text: ``None`` is no match, and
    ``(start, end, entity_type[, score])`` tuples are read as matches; anything else raises ``TypeError``
    (so that a custom detector's mistake is a detector error, handled as the policy's fail mode says)."""
    if found is None:
        return []
    matches = []
    for item in found:  # type: ignore[attr-defined]
        match = item if isinstance(item, Match) else Match(*item)
        fields: typing.Any = match  # a custom detector's Match may hold anything, whatever its types say
        if not (
            isinstance(fields.start, int)
            and isinstance(fields.end, int)
            and 0 <= fields.start <= fields.end <= length
            and isinstance(fields.entity_type, str)
            and isinstance(fields.score, int | float)
        ):
            raise TypeError(f"not a match within the text: {type(item).__name__}")
        matches.append(match)
    return matches


def to_findings(run: RuleRun, source: Source, index: int, offset: int = 0) -> list[Finding]:
    if not run.matches:
        return []
    rule = run.rule
    rule_id, detector, action = rule.id, rule.detector.name, rule.action
    return [
        Finding(
            rule_id,
            detector,
            m.entity_type,
            m.score,
            m.start + offset,
            m.end + offset,
            action,  # type: ignore[arg-type]
            source,
            index,
            f"{detector} detected {m.entity_type}",
        )
        for m in run.matches
    ]


def redaction_spans(runs: Sequence[RuleRun], limit: int | None = None) -> list[tuple[int, int, str]]:
    """Placeholder ranges of the redact rules' matches (only those ending by ``limit``, if given)."""
    return [
        (m.start, m.end, run.rule.detector.placeholder(m.entity_type))
        for run in runs
        if run.rule.action is Action.REDACT
        for m in run.matches
        if limit is None or m.end <= limit
    ]


def worst(outcomes: Sequence[Outcome]) -> Outcome:
    return max(outcomes, key=OUTCOME_SEVERITY.__getitem__, default=Outcome.PASS)


def raise_if_blocked(policy: Policy, source: Source, results: Sequence[CheckResult]) -> None:
    """Raise ``GuardrailViolation`` if a text is stopped; with the first respond rule's refusal as its
    ``response`` when no ``block`` rule or failed-closed detector stopped any text."""
    if any(r.blocked for r in results):
        findings = [f for r in results for f in r.findings]
        errors = [e for r in results for e in r.errors]
        response = None
        if all(r.outcome is not Outcome.BLOCK for r in results):
            rule_id = next(f.rule_id for f in findings if f.action is Action.RESPOND)
            response = next(rule.response for rule in policy.rules if rule.id == rule_id)
        raise GuardrailViolation(policy.id, source, findings, errors, response)


class GuardrailEngine:
    """Applies one policy. ``apply`` is the instrumentation seam: texts in, redacted texts out (or raise)."""

    def __init__(self, policy: Policy, telemetry: GuardrailTelemetry | None = None):
        self.policy = policy
        self.telemetry = telemetry or GuardrailTelemetry(policy)

    def evaluate(self, texts: Sequence[str], source: Source | str) -> list[CheckResult]:
        """Check every text under one ``apply_guardrail`` span; never raises for findings."""
        source = Source(source)
        rules = self.policy.rules_for(source)
        if not rules or not texts:
            return [CheckResult(source, text) for text in texts]
        with self.telemetry.span(source) as span:
            results = [self._check_one(text, index, source, rules) for index, text in enumerate(texts)]
            self.telemetry.finish(span, worst([r.outcome for r in results]), results, list(texts))
        return results

    def apply(self, texts: Sequence[str], source: Source | str) -> list[str]:
        """The texts to send on (redacted where a rule says so); raises ``GuardrailViolation`` on block."""
        results = self.evaluate(texts, source)
        raise_if_blocked(self.policy, Source(source), results)
        return [r.text for r in results]

    def check(self, text: str, source: Source | str) -> CheckResult:
        """Check one text; raises ``GuardrailViolation`` on block."""
        results = self.evaluate([text], source)
        raise_if_blocked(self.policy, Source(source), results)
        return results[0]

    def stream(self, source: Source | str = Source.OUTPUT, holdback: int | None = None) -> StreamGuard:
        """A guard over a sequence of text deltas (see ``StreamGuard``)."""
        return StreamGuard(self, Source(source), holdback)

    def _check_one(self, text: str, index: int, source: Source, rules: list[Rule]) -> CheckResult:
        runs = [run_rule(self.policy, rule, text) for rule in rules]
        for run in runs:
            self.telemetry.record_rule(run.rule, source, run.outcome, run.seconds)
        return CheckResult(
            source=source,
            text=redact(text, redaction_spans(runs)),
            findings=[f for run in runs for f in to_findings(run, source, index)],
            errors=[run.error for run in runs if run.error],
            outcome=worst([run.outcome for run in runs]),
        )


class StreamGuard:
    """Redacts streamed output delta by delta.

    Span-locating rules (PII, secrets, terms) run on a sliding buffer: ``feed`` returns the text that is
    safe to release and keeps back the last ``holdback`` characters (by default the longest ``max_span``
    of those detectors) plus any match that may still be growing, so an entity split across deltas is
    seen whole. Whole-text rules (classifiers, length, schema, refusal) can only judge the complete text:
    they run in ``finish`` after the text has been released, so there they can warn or raise
    but cannot withhold. One ``apply_guardrail`` span covers the whole stream and ends in ``finish``.
    """

    def __init__(self, engine: GuardrailEngine, source: Source = Source.OUTPUT, holdback: int | None = None):
        self.engine = engine
        self.source = source
        rules = engine.policy.rules_for(source)
        self.span_rules = [r for r in rules if r.detector.locates_spans]
        self.text_rules = [r for r in rules if not r.detector.locates_spans]
        self.holdback = (
            holdback
            if holdback is not None
            else max((r.detector.max_span for r in self.span_rules), default=0)
        )
        self.max_hold = max(self.holdback, MAX_HOLD)
        self._buffer = ""
        self._released = 0  # characters of the raw stream released before the buffer
        self._raw: list[str] = []
        self._output: list[str] = []
        self._findings: list[Finding] = []
        self._errors: dict[str, DetectorError] = {}  # first failure per rule
        self._outcomes: dict[str, Outcome] = {}
        self._seconds: dict[str, float] = {}
        self._start_ns = time.time_ns()
        self._parent = otel_context.get_current()  # the span covering the stream starts where it was opened
        self._done = False
        self._violation: GuardrailViolation | None = None

    @property
    def findings(self) -> list[Finding]:
        """Findings so far; positions are offsets in the raw (unredacted) stream."""
        return list(self._findings)

    def feed(self, delta: str) -> str:
        """Add a delta; return the (redacted) text that can be released now, possibly empty."""
        if self._violation:
            raise self._violation  # a blocked stream stays blocked
        self._raw.append(delta)
        self._buffer += delta
        if not self.span_rules:
            return self._release(len(self._buffer), [])
        if len(self._buffer) <= self.holdback:
            return ""
        runs = self._run(self.span_rules, self._buffer)
        cut = len(self._buffer) - self.holdback
        for run in runs:
            for m in run.matches:
                if m.start < cut < m.end:
                    cut = m.start
            growing = run.rule.detector.unfinished(self._buffer)
            if growing is not None:
                cut = min(cut, growing)
        # a match still growing holds the stream, but not without end: each delta rescans the buffer
        return self._release(max(cut, len(self._buffer) - self.max_hold), runs)

    def wrap(self, deltas: Iterable[str]) -> Iterator[str]:
        """Guard a whole stream of deltas: yields releasable text, then the rest after ``finish``."""
        for delta in deltas:
            released = self.feed(delta)
            if released:
                yield released
        tail = self.finish()
        if tail:
            yield tail

    async def awrap(self, deltas: AsyncIterable[str]) -> AsyncIterator[str]:
        """``wrap`` for async streams."""
        async for delta in deltas:
            released = self.feed(delta)
            if released:
                yield released
        tail = self.finish()
        if tail:
            yield tail

    def finish(self) -> str:
        """Release the rest, run whole-text rules, record telemetry; may raise ``GuardrailViolation``."""
        if self._violation:
            raise self._violation
        if self._done:
            return ""
        tail = self._release(len(self._buffer), self._run(self.span_rules, self._buffer))
        full = "".join(self._raw)
        for run in self._run(self.text_rules, full):
            self._findings.extend(to_findings(run, self.source, 0))
        self._end()
        return tail

    def _run(self, rules: list[Rule], text: str) -> list[RuleRun]:
        runs = [run_rule(self.engine.policy, rule, text) for rule in rules]
        for run in runs:
            rule_id = run.rule.id
            self._seconds[rule_id] = self._seconds.get(rule_id, 0.0) + run.seconds
            self._outcomes[rule_id] = worst([self._outcomes.get(rule_id, Outcome.PASS), run.outcome])
            if run.error:
                self._errors.setdefault(rule_id, run.error)
        if any(run.outcome is Outcome.BLOCK or run.outcome is Outcome.RESPOND for run in runs):
            self._findings.extend(f for run in runs for f in to_findings(run, self.source, 0, self._released))
            self._end()
        return runs

    def _release(self, cut: int, runs: list[RuleRun]) -> str:
        released = [
            RuleRun(run.rule, run.outcome, 0.0, [m for m in run.matches if m.end <= cut]) for run in runs
        ]
        for run in released:
            self._findings.extend(to_findings(run, self.source, 0, self._released))
        text = redact(self._buffer[:cut], redaction_spans(released, cut))
        self._buffer = self._buffer[cut:]
        self._released += cut
        self._output.append(text)
        return text

    def _end(self) -> None:
        """Record the stream's telemetry once; raise if any rule blocked."""
        if self._done:
            return
        self._done = True
        telemetry = self.engine.telemetry
        rules = self.span_rules + self.text_rules
        if not rules:
            return
        outcome = worst(list(self._outcomes.values()))
        errors = list(self._errors.values())
        result = CheckResult(self.source, "".join(self._output), self._findings, errors, outcome)
        with telemetry.span(self.source, start_time=self._start_ns, parent=self._parent) as span:
            for rule in rules:
                if rule.id in self._outcomes:
                    telemetry.record_rule(rule, self.source, self._outcomes[rule.id], self._seconds[rule.id])
            telemetry.finish(span, outcome, [result], ["".join(self._raw)])
        try:
            raise_if_blocked(self.engine.policy, self.source, [result])
        except GuardrailViolation as violation:
            self._violation = violation
            raise
