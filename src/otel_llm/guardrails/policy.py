"""Guard policies: rules pairing a detector with an action and a source, declared in code or YAML."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from otel_llm.guardrails.detectors.base import Detector, create
from otel_llm.guardrails.results import Action, CheckResult, Source

if TYPE_CHECKING:
    from otel_llm.guardrails.engine import GuardrailEngine
    from otel_llm.telemetry.invocation import GenAITelemetry

COMPONENT_NAME = "otel-llm guardrails"
DEFAULT_RESPONSE = "Sorry, I can't help with that request."
POLICIES_DIR = Path(__file__).parent / "policies"
_SOURCES = {
    "input": frozenset({Source.INPUT}),
    "output": frozenset({Source.OUTPUT}),
    "both": frozenset(Source),
}


@dataclass
class Rule:
    """``detector`` findings on texts from ``source`` (input, output or both) trigger ``action``.

    ``fail_open`` overrides the policy's choice for when this rule's detector raises. ``response`` is
    the refusal a ``respond`` rule answers with.
    """

    id: str
    detector: Detector
    action: Action | str
    source: Source | str = "both"
    fail_open: bool | None = None
    response: str = DEFAULT_RESPONSE
    sources: frozenset[Source] = field(init=False)

    def __post_init__(self) -> None:
        self.action = Action(self.action)
        key = self.source.value if isinstance(self.source, Source) else str(self.source)
        if key not in _SOURCES:
            raise ValueError(f"rule {self.id!r}: source must be input, output or both, not {key!r}")
        self.sources = _SOURCES[key]
        if self.action is Action.REDACT and not self.detector.locates_spans:
            raise ValueError(
                f"rule {self.id!r}: detector {self.detector.name!r} judges whole texts and cannot redact"
            )

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> Rule:
        """``{id, detector, action, source?, options?, fail_open?, response?}``, as written in YAML."""
        detector = create(spec["detector"], spec.get("options"))
        return cls(
            spec.get("id", spec["detector"]),
            detector,
            spec["action"],
            spec.get("source", "both"),
            spec.get("fail_open"),
            str(spec.get("response", DEFAULT_RESPONSE)),
        )


@dataclass
class Policy:
    """A named, versioned set of rules. ``fail_open=False`` (the default) blocks when a detector raises."""

    id: str
    rules: list[Rule]
    version: str = "1"
    fail_open: bool = False
    component_name: str = COMPONENT_NAME

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"policy {self.id!r}: duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        self.version = str(self.version)

    def rules_for(self, source: Source) -> list[Rule]:
        return [rule for rule in self.rules if source in rule.sources]

    def fails_open(self, rule: Rule) -> bool:
        return self.fail_open if rule.fail_open is None else rule.fail_open

    @cached_property
    def engine(self) -> GuardrailEngine:
        """The engine of explicit checks (``check_input``, ``guard``, ``guarded``): its telemetry goes to the
        global providers, with the environment's settings."""
        from otel_llm.guardrails.engine import GuardrailEngine

        return GuardrailEngine(self)

    @cached_property
    def _engines(self) -> weakref.WeakKeyDictionary[GenAITelemetry, GuardrailEngine]:
        return weakref.WeakKeyDictionary()

    def engine_for(self, telemetry: GenAITelemetry) -> GuardrailEngine:
        """The engine of the instrumented calls that record through ``telemetry`` (one per configuration):
        their checks use its providers, capture mode and content hook."""
        engine = self._engines.get(telemetry)
        if engine is None:
            from otel_llm.guardrails.engine import GuardrailEngine
            from otel_llm.guardrails.telemetry import GuardrailTelemetry

            engine = self._engines[telemetry] = GuardrailEngine(
                self, GuardrailTelemetry(self, telemetry=telemetry)
            )
        return engine

    def check_input(self, text: str) -> CheckResult:
        """Check a prompt; ``.text`` of the result is the redacted prompt. Raises ``GuardrailViolation``."""
        return self.engine.check(text, Source.INPUT)

    def check_output(self, text: str) -> CheckResult:
        """Check a model output; returns the result or raises ``GuardrailViolation``."""
        return self.engine.check(text, Source.OUTPUT)

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> Policy:
        return cls(
            id=spec["id"],
            rules=[Rule.from_dict(rule) for rule in spec.get("rules", [])],
            version=str(spec.get("version", "1")),
            fail_open=bool(spec.get("fail_open", False)),
            component_name=spec.get("component_name", COMPONENT_NAME),
        )

    @classmethod
    def from_yaml(cls, source: str | Path) -> Policy:
        """Load from a YAML file path, or from YAML text when ``source`` is a string containing a newline."""
        text = source if isinstance(source, str) and "\n" in source else Path(source).read_text()
        return cls.from_dict(yaml.safe_load(text))

    @classmethod
    def default(cls) -> Policy:
        """The bundled policy: PII/secrets redacted, prompt injection blocked, toxicity/refusals warned."""
        return cls.from_yaml(POLICIES_DIR / "default.yaml")
