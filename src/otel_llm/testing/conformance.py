"""Check captured OpenTelemetry data against the otel-llm semantic conventions registry.

Reports unknown attribute keys, wrong value types, enum values outside the registry, missing
Required and (judgeable) Conditionally Required attributes, wrong span names and kinds, unknown
metrics and events, wrong metric units and instrument types, and message attributes whose JSON
does not fit the upstream JSON schemas.

Only otel-llm's telemetry is checked: spans and log records that carry a ``gen_ai.*``, ``otel_llm.*``
or ``mcp.*`` key (or event name), and metrics whose names are in those namespaces.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from opentelemetry.sdk.metrics.export import Gauge, Histogram, MetricsData, Sum
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from otel_llm.config import SemconvMode
from otel_llm.testing.registry import Registry, Requirement, expected_span_name, load_registry

NAMESPACES = ("gen_ai.", "otel_llm.", "mcp.")
_SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "int": (int,),
    "double": (float,),
    "boolean": (bool,),
}


@dataclass(frozen=True)
class Violation:
    """One way a piece of telemetry breaks the registry."""

    signal: str  # span | event | metric
    name: str  # span name, event name or metric name
    rule: str  # short id of the rule broken, e.g. "unknown_attribute"
    message: str

    def __str__(self) -> str:
        return f"{self.signal} {self.name!r}: [{self.rule}] {self.message}"


@dataclass(frozen=True)
class _Subject:
    """The signal being checked; calling it makes a violation about that signal."""

    signal: str
    name: str

    def __call__(self, rule: str, message: str) -> Violation:
        return Violation(self.signal, self.name, rule, message)


def _ours(keys: Iterable[str]) -> bool:
    return any(key.startswith(NAMESPACES) for key in keys)


def _plain(value: Any) -> Any:
    """OTel attribute values (tuples, mapping proxies) as plain JSON-like Python values."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _type_ok(expected: str, value: Any) -> bool:
    if expected == "any":
        return True
    if expected.endswith("[]"):
        item_types = _SCALAR_TYPES[expected[:-2]]
        return isinstance(value, (list, tuple)) and all(_scalar_ok(item_types, item) for item in value)
    return _scalar_ok(_SCALAR_TYPES[expected], value)


def _value_type(declared: str) -> str:
    """The value type of an attribute (a template attribute's keys take the type in brackets)."""
    return declared[len("template[") : -1] if declared.startswith("template[") else declared


def _scalar_ok(types: tuple[type, ...], value: Any) -> bool:
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


class ConformanceChecker:
    """Validates spans, log records (events) and metrics against a registry."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or load_registry()

    def check(
        self,
        spans: Iterable[ReadableSpan] = (),
        logs: Iterable[Any] = (),
        metrics: Iterable[MetricsData | None] = (),
    ) -> list[Violation]:
        """All violations in the given spans, log records and collected metrics data."""
        violations: list[Violation] = []
        for span in spans:
            violations += self.check_span(span)
        for record in logs:
            violations += self.check_log(record)
        for data in metrics:
            violations += self.check_metrics(data)
        return violations

    # -- attributes ------------------------------------------------------------------------------

    def _attributes(self, at: _Subject, attributes: Mapping[str, Any]) -> list[Violation]:
        found = []
        for key, value in attributes.items():
            spec = self.registry.attributes.get(key) or self.registry.template_attribute(key)
            if spec is None:
                found.append(at("unknown_attribute", f"attribute {key!r} is not in the registry"))
                continue
            found += self._value(at, key, spec, value)
        return found

    def _value(self, at: _Subject, key: str, spec: dict[str, Any], value: Any) -> list[Violation]:
        validator = self.registry.validator(key)
        if validator is not None:
            return self._json_value(at, key, value, validator)
        if not _type_ok(_value_type(spec["type"]), value):
            got = f"{type(value).__name__} {value!r}"
            return [at("wrong_type", f"{key!r} must be {spec['type']}, got {got}")]
        allowed = self.registry.enum_values(key)
        if allowed is not None and value not in allowed:
            return [at("enum_value", f"{key!r} value {value!r} is not one of {sorted(map(str, allowed))}")]
        return []

    @staticmethod
    def _json_value(at: _Subject, key: str, value: Any, validator: Any) -> list[Violation]:
        if at.signal == "span":
            if not isinstance(value, str):
                return [at("wrong_type", f"{key!r} on a span must be a JSON string")]
            with contextlib.suppress(ValueError):  # a plain string: the schema decides whether it fits
                value = json.loads(value)
        elif isinstance(value, str) and validator.schema.get("type") == "array":
            return [at("wrong_type", f"{key!r} on an event must be structured, not a string")]
        errors = [_deepest(error) for error in validator.iter_errors(_plain(value))]
        return [
            at("json_schema", f"{key!r} does not fit its JSON schema at /{_path(error)}: {error.message}")
            for error in sorted(errors, key=lambda error: list(map(str, error.absolute_path)))
        ]

    def _missing(
        self,
        at: _Subject,
        requirements: Mapping[str, Requirement],
        attributes: Mapping[str, Any],
        status_error: bool | None = None,
    ) -> list[Violation]:
        found = []
        for key, requirement in requirements.items():
            if key in attributes or not self._is_required(requirement, attributes, status_error):
                continue
            why = f" ({requirement.condition})" if requirement.condition else ""
            level = requirement.level.replace("_", " ")
            found.append(at("missing_attribute", f"missing {level} {key!r}{why}"))
        return found

    def _is_required(
        self, requirement: Requirement, attributes: Mapping[str, Any], status_error: bool | None
    ) -> bool:
        if requirement.level == "required":
            return True
        if requirement.level != "conditionally_required":
            return False
        rule = self.registry.conditions.get(requirement.key, "")
        if rule == "span_status_error":
            return bool(status_error)
        if rule.startswith("if_present "):
            return rule.split()[1] in attributes
        if rule.startswith("if_absent "):
            return rule.split()[1] not in attributes
        return False  # conditions that cannot be judged from the telemetry are never flagged

    # -- spans -----------------------------------------------------------------------------------

    def check_span(self, span: ReadableSpan) -> list[Violation]:
        attributes = dict(span.attributes or {})
        if not _ours(attributes):
            return []
        at = _Subject("span", span.name)
        found = self._attributes(at, attributes)
        operation, candidates = self.registry.span_types(attributes)
        if not candidates:
            if operation is None:
                found.append(at("missing_attribute", "missing required 'gen_ai.operation.name'"))
            return found
        kind = span.kind.name.lower()
        matching = [self.registry.spans[t] for t in candidates if self.registry.spans[t].kind == kind]
        if not matching:
            expected = " or ".join(sorted({self.registry.spans[t].kind.upper() for t in candidates}))
            found.append(at("span_kind", f"kind is {span.kind.name}, expected {expected} for {operation!r}"))
            span_type = self.registry.spans[candidates[0]]
        else:
            span_type = matching[0]
        expected_name = expected_span_name(span_type.name_templates, self.registry.name_values(attributes))
        if expected_name is not None and span.name != expected_name:
            found.append(at("span_name", f"name should be {expected_name!r} ({span_type.type})"))
        requirements = self.registry.span_requirements(span_type, attributes.get("gen_ai.provider.name"))
        status_error = span.status.status_code is StatusCode.ERROR
        found += self._missing(at, requirements, attributes, status_error)
        return found

    # -- events ----------------------------------------------------------------------------------

    def check_log(self, record: Any) -> list[Violation]:
        """Check one log record (an SDK ``LogRecord``, or ``ReadableLogRecord``/``LogData``)."""
        record = getattr(record, "log_record", record)
        attributes = dict(record.attributes or {})
        event_name = getattr(record, "event_name", None) or attributes.pop("event.name", None)
        if not (event_name and event_name.startswith(NAMESPACES)) and not _ours(attributes):
            return []
        at = _Subject("event", event_name or "<no event name>")
        spec = self.registry.events.get(event_name) if event_name else None
        if spec is None:
            return [at("unknown_event", "log record with GenAI data has no registered event name")]
        return self._attributes(at, attributes) + self._missing(at, spec.requirements, attributes)

    # -- metrics ---------------------------------------------------------------------------------

    def check_metrics(self, data: MetricsData | None) -> list[Violation]:
        found: list[Violation] = []
        if data is None:
            return found
        for resource_metrics in data.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    if metric.name.startswith(NAMESPACES):
                        found += self.check_metric(metric.name, metric.unit, metric.data)
        return found

    def check_metric(self, name: str, unit: str | None, data: Any) -> list[Violation]:
        at = _Subject("metric", name)
        spec = self.registry.metrics.get(name)
        if spec is None:
            return [at("unknown_metric", "metric is not in the registry")]
        found = []
        if unit != spec.unit:
            found.append(at("metric_unit", f"unit is {unit!r}, expected {spec.unit!r}"))
        instrument = _instrument(data)
        if instrument != spec.instrument:
            found.append(at("metric_instrument", f"instrument is {instrument}, expected {spec.instrument}"))
        reported: set[Violation] = set()
        for point in data.data_points:
            attributes = dict(point.attributes or {})
            for violation in self._metric_point(at, spec.requirements, attributes):
                if violation not in reported:
                    reported.add(violation)
                    found.append(violation)
        return found

    def _metric_point(
        self, at: _Subject, requirements: Mapping[str, Requirement], attributes: dict[str, Any]
    ) -> list[Violation]:
        found = self._attributes(at, attributes)
        for key in attributes:
            if key in self.registry.attributes and key not in requirements:
                found.append(at("unexpected_attribute", f"attribute {key!r} is not defined for this metric"))
        return found + self._missing(at, requirements, attributes)


def _deepest(error: ValidationError) -> ValidationError:
    """For ``anyOf``/``oneOf`` failures, the error of the alternative that came closest."""
    return _deepest(best_match(error.context)) if error.context else error


def _path(error: Any) -> str:
    return "/".join(map(str, error.absolute_path))


def _instrument(data: Any) -> str:
    if isinstance(data, Histogram) or type(data).__name__ == "ExponentialHistogram":
        return "histogram"
    if isinstance(data, Sum):
        return "counter" if data.is_monotonic else "updowncounter"
    if isinstance(data, Gauge):
        return "gauge"
    return type(data).__name__


def check_telemetry(
    spans: Iterable[ReadableSpan] = (),
    logs: Iterable[Any] = (),
    metrics: Iterable[MetricsData | None] = (),
    mode: SemconvMode = SemconvMode.DEFAULT,
) -> list[Violation]:
    """Violations of the shipped registry of semconv ``mode`` in the given telemetry."""
    return ConformanceChecker(load_registry(mode)).check(spans, logs, metrics)


def format_violations(violations: Iterable[Violation]) -> str:
    lines = [f"  - {violation}" for violation in violations]
    return f"{len(lines)} semantic-convention violation(s):\n" + "\n".join(lines)


__all__ = ["ConformanceChecker", "Violation", "check_telemetry", "format_violations"]
