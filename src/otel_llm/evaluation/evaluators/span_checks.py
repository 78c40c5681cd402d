"""Checks on how a response was produced, read from its spans: latency, cost, guardrail findings."""

from __future__ import annotations

from otel_llm.evaluation.evaluators.base import Evaluator
from otel_llm.evaluation.model import EvalCase, Score
from otel_llm.semconv.attributes import (
    OTEL_LLM_GUARDRAIL_OUTCOME,
    OTEL_LLM_USAGE_COST_USD,
    OtelLlmGuardrailOutcomeValues,
)
from otel_llm.semconv.events import GEN_AI_GUARDRAIL_RESULT


class LatencyThreshold(Evaluator):
    """The evaluated LLM span lasted at most ``max_seconds``; the score is its duration in seconds."""

    unit = "s"

    def __init__(self, max_seconds: float, name: str = "latency") -> None:
        self.name = name
        self.max_seconds = max_seconds

    def evaluate(self, case: EvalCase) -> Score:
        seconds = round(case.require("span").duration_s, 6)
        return self.verdict(
            seconds <= self.max_seconds, f"{seconds:.3f}s (limit {self.max_seconds}s)", seconds
        )


class CostThreshold(Evaluator):
    """The LLM spans of the case cost at most ``max_usd`` in total; the score is that cost."""

    unit = "{USD}"

    def __init__(self, max_usd: float, name: str = "cost") -> None:
        self.name = name
        self.max_usd = max_usd

    def evaluate(self, case: EvalCase) -> Score:
        costs = [
            span.attributes.get(OTEL_LLM_USAGE_COST_USD) for span in case.require("spans") if span.is_llm
        ]
        known = [float(cost) for cost in costs if cost is not None]
        if not known:
            raise ValueError(f"no LLM span of the case carries {OTEL_LLM_USAGE_COST_USD}")
        total = round(sum(known), 10)
        return self.verdict(total <= self.max_usd, f"${total:.6f} (limit ${self.max_usd})", total)


_NO_FINDING = frozenset({OtelLlmGuardrailOutcomeValues.PASS})


class GuardrailFindings(Evaluator):
    """Passes when no guardrail acted on the case; the score is the number of findings.

    Findings are ``gen_ai.guardrail.result`` span events, and guardrail check spans (those carrying
    ``otel_llm.guardrail.outcome``) whose outcome is other than ``pass``: a check counts once, or once
    per result event it carries.
    """

    unit = "{finding}"

    def __init__(self, max_findings: int = 0, name: str = "guardrail_findings") -> None:
        self.name = name
        self.max_findings = max_findings

    def evaluate(self, case: EvalCase) -> Score:
        outcomes: list[str] = []
        for span in case.require("spans"):
            events = [event for event in span.events if event.name == GEN_AI_GUARDRAIL_RESULT]
            outcome = span.attributes.get(OTEL_LLM_GUARDRAIL_OUTCOME)
            flagged = outcome is not None and outcome not in _NO_FINDING
            count = max(len(events), 1 if flagged else 0)
            outcomes.extend([str(outcome or GEN_AI_GUARDRAIL_RESULT)] * count)
        summary = ", ".join(f"{kind} x{outcomes.count(kind)}" for kind in sorted(set(outcomes)))
        return self.verdict(
            len(outcomes) <= self.max_findings, summary or "no findings", float(len(outcomes))
        )
