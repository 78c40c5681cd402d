"""Value types shared by detectors, policies and the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from otel_llm.telemetry.guarding import GuardrailBlock


class Action(str, Enum):
    """What a rule does when its detector finds something."""

    BLOCK = "block"
    RESPOND = "respond"
    """Block, and answer the call with the rule's refusal instead of raising (instrumented calls)."""
    REDACT = "redact"
    WARN = "warn"


STOPPING = frozenset({Action.BLOCK, Action.RESPOND})


class Outcome(str, Enum):
    """Result of one check, as reported in telemetry (``otel_llm.guardrail.outcome``)."""

    PASS = "pass"
    WARN = "warn"
    REDACT = "redact"
    RESPOND = "respond"
    BLOCK = "block"
    ERROR = "error"


class Source(str, Enum):
    """Which side of an LLM call a text comes from."""

    INPUT = "input"
    OUTPUT = "output"


OUTCOME_SEVERITY = {
    Outcome.PASS: 0,
    Outcome.ERROR: 1,
    Outcome.WARN: 2,
    Outcome.REDACT: 3,
    Outcome.RESPOND: 4,
    Outcome.BLOCK: 5,
}


@dataclass(frozen=True)
class Match:
    """One hit of a detector: ``text[start:end]`` is of ``entity_type`` with confidence ``score``."""

    start: int
    end: int
    entity_type: str
    score: float = 1.0


@dataclass(frozen=True)
class Finding:
    """A match attributed to a policy rule. Holds positions, never the matched content."""

    rule_id: str
    detector: str
    entity_type: str
    score: float
    start: int
    end: int
    action: Action
    source: Source
    index: int = 0
    reason: str = ""


@dataclass(frozen=True)
class DetectorError:
    """A rule whose detector raised; ``outcome`` is BLOCK when the rule fails closed, ERROR when open."""

    rule_id: str
    error_type: str
    outcome: Outcome


@dataclass
class CheckResult:
    """Outcome of applying a policy to one text."""

    source: Source
    text: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[DetectorError] = field(default_factory=list)
    outcome: Outcome = Outcome.PASS

    @property
    def blocked(self) -> bool:
        """The text must not go on: a ``block`` or a ``respond`` rule stopped it."""
        return self.outcome is Outcome.BLOCK or self.outcome is Outcome.RESPOND

    @property
    def redacted(self) -> bool:
        return self.outcome is Outcome.REDACT


class GuardrailViolation(GuardrailBlock):
    """Raised when a policy blocks content. The message never contains the checked content.

    ``response`` is the refusal to answer with when only ``respond`` rules stopped the text (no
    ``block`` rule, no detector that failed closed); instrumented calls then return it in the SDK's
    own response type instead of raising. It is ``None`` otherwise.
    """

    def __init__(
        self,
        policy_id: str,
        source: Source,
        findings: list[Finding],
        errors: list[DetectorError],
        response: str | None = None,
    ):
        self.policy_id = policy_id
        self.source = source
        self.findings = findings
        self.errors = errors
        self.response = response
        blocking = sorted(
            {f.rule_id for f in findings if f.action in STOPPING}
            | {e.rule_id for e in errors if e.outcome is Outcome.BLOCK}
        )
        categories = sorted({f.entity_type for f in findings if f.action in STOPPING})
        detail = f"rules {', '.join(blocking)}"
        if categories:
            detail += f" ({', '.join(categories)})"
        super().__init__(f"guardrail policy {policy_id!r} blocked the {source.value}: {detail}")
