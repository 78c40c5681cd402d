"""Guardrails: offline input/output checks that block, redact or warn, reported as guardrail telemetry.

Usage::

    policy = Policy.from_yaml("policy.yaml")  # or Policy(id, rules=[Rule(...)]) or Policy.default()
    result = policy.check_input(prompt)  # result.text: the redacted prompt; raises GuardrailViolation
    install(policy)  # apply it to every instrumented LLM call
"""

from otel_llm.guardrails.api import active_policy, guard, guarded, install, uninstall
from otel_llm.guardrails.detectors import Detector, register
from otel_llm.guardrails.engine import GuardrailEngine, StreamGuard
from otel_llm.guardrails.policy import Policy, Rule
from otel_llm.guardrails.results import (
    Action,
    CheckResult,
    DetectorError,
    Finding,
    GuardrailViolation,
    Match,
    Outcome,
    Source,
)

__all__ = [
    "Action",
    "CheckResult",
    "Detector",
    "DetectorError",
    "Finding",
    "GuardrailEngine",
    "GuardrailViolation",
    "Match",
    "Outcome",
    "Policy",
    "Rule",
    "Source",
    "StreamGuard",
    "active_policy",
    "guard",
    "guarded",
    "install",
    "register",
    "uninstall",
]
