"""Load the Weaver-format registry under ``semconv/registry`` and resolve it into plain data.

Resolution follows Weaver's rules as far as otel-llm uses them: ``ref`` pulls an attribute
definition from the registry and may override its requirement level, brief, note and examples;
``ref_group`` inlines an attribute group; refinements extend the span or metric they ``ref``;
when a signal lists the same attribute twice, later fields override earlier ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_OVERRIDABLE = ("requirement_level", "brief", "note", "examples", "sampling_relevant")


class RegistryError(ValueError):
    """The registry files are inconsistent (unknown reference, duplicate definition, ...)."""


def load_files(registry_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    """All registry YAML files as (path relative to ``registry_dir``, parsed content), sorted by path."""
    files = []
    for path in sorted(registry_dir.rglob("*.yaml")):
        if path.name in ("manifest.yaml", "registry_manifest.yaml"):
            continue
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if content.get("file_format") != "definition/2":
            raise RegistryError(f"{path}: expected file_format: definition/2")
        files.append((path.relative_to(registry_dir).as_posix(), content))
    return files


def _attribute_type(spec: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    declared = spec["type"]
    if isinstance(declared, str):
        return declared, []
    members = [
        {
            "id": member["id"],
            "value": member["value"],
            "brief": " ".join(str(member.get("brief", "")).split()),
            "note": str(member.get("note", "")).strip(),
            "stability": member.get("stability", "development"),
        }
        for member in declared["members"]
    ]
    value_type = "int" if all(isinstance(m["value"], int) for m in members) else "string"
    return value_type, members


def _examples(spec: dict[str, Any]) -> list[Any]:
    examples = spec.get("examples", [])
    return examples if isinstance(examples, list) else [examples]


def _requirement(level: Any) -> tuple[str, str]:
    """Weaver requirement level -> (level name, condition text)."""
    if level is None:
        return "recommended", ""
    if isinstance(level, str):
        return level, ""
    ((name, condition),) = level.items()
    return name, " ".join(str(condition).split())


class _Resolver:
    def __init__(self, files: list[tuple[str, dict[str, Any]]]) -> None:
        self.attributes: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, list[dict[str, Any]]] = {}
        self.spans: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        self.metrics: dict[str, dict[str, Any]] = {}
        self.span_refinements: dict[str, dict[str, Any]] = {}
        self.metric_refinements: dict[str, dict[str, Any]] = {}
        for path, content in files:
            for spec in content.get("attributes", []):
                self._add_attribute(path, spec)
            for spec in content.get("attribute_groups", []):
                self._add(self.groups, spec["id"], spec.get("attributes", []), path)
            for key, target in (
                ("spans", self.spans),
                ("events", self.events),
                ("metrics", self.metrics),
                ("span_refinements", self.span_refinements),
                ("metric_refinements", self.metric_refinements),
            ):
                for spec in content.get(key, []):
                    name = spec.get("type") or spec.get("name") or spec["id"]
                    self._add(target, name, {**spec, "file": path}, path)

    @staticmethod
    def _add(target: dict[str, Any], name: str, value: Any, path: str) -> None:
        if name in target:
            raise RegistryError(f"{path}: {name!r} is defined twice")
        target[name] = value

    def _add_attribute(self, path: str, spec: dict[str, Any]) -> None:
        value_type, members = _attribute_type(spec)
        custom = ((spec.get("annotations") or {}).get("otel_llm") or {}).get("custom_values")
        self._add(
            self.attributes,
            spec["key"],
            {
                "key": spec["key"],
                "type": value_type,
                "members": members,
                "custom_values_allowed": custom == "allowed",
                "brief": " ".join(str(spec.get("brief", "")).split()),
                "note": str(spec.get("note", "")).strip(),
                "examples": _examples(spec),
                "stability": spec.get("stability", "development"),
                "file": path,
            },
            path,
        )

    def expand(self, entries: list[dict[str, Any]], seen: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
        """Attribute entries -> key -> merged entry. Inline refs take precedence over ref_groups
        whatever their order, as in Weaver; group attributes come first in the result."""
        merged: dict[str, dict[str, Any]] = {}
        for entry in sorted(entries, key=lambda entry: "ref_group" not in entry):
            if "ref_group" in entry:
                group = entry["ref_group"]
                if group not in self.groups:
                    raise RegistryError(f"unknown attribute group {group!r}")
                if group in seen:
                    raise RegistryError(f"attribute group cycle through {group!r}")
                for key, inner in self.expand(self.groups[group], (*seen, group)).items():
                    if key in merged:
                        message = f"attribute {key!r} comes from two groups (collision at {group!r})"
                        raise RegistryError(message)
                    merged[key] = inner
                continue
            key = entry["ref"]
            if key not in self.attributes:
                raise RegistryError(f"unknown attribute {key!r}")
            overrides = {field: entry[field] for field in _OVERRIDABLE if field in entry}
            merged[key] = {**merged.get(key, {}), **overrides}
        return merged

    def overrides(self, entries: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
        """Requirement changes a refinement makes: key -> {"level", "condition"} (only those it sets)."""
        changes: dict[str, dict[str, str]] = {}
        for key, entry in self.expand(entries).items():
            changes[key] = {}
            if "requirement_level" in entry:
                level, condition = _requirement(entry["requirement_level"])
                changes[key] = {"level": level, "condition": condition}
        return changes

    def signal_attributes(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        resolved = []
        for key, entry in self.expand(entries).items():
            level, condition = _requirement(entry.get("requirement_level"))
            resolved.append(
                {
                    "key": key,
                    "requirement_level": level,
                    "condition": condition,
                    "brief": " ".join(str(entry.get("brief") or self.attributes[key]["brief"]).split()),
                }
            )
        return resolved


def overlay_files(
    base_dir: Path, overlay_dir: Path, changes: dict[str, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """The files of ``base_dir`` changed as ``changes`` says (see ``semconv/latest-changes.yaml``), plus
    the files of ``overlay_dir``."""
    dropped_files = set(changes.get("drop_files", ()))
    dropped = {
        "attributes": set(changes.get("drop_attributes", ())),
        "metrics": set(changes.get("drop_metrics", ())),
        "metric_refinements": set(changes.get("drop_metric_refinements", ())),
    }
    renames: dict[str, str] = changes.get("rename", {})
    briefs: dict[str, str] = changes.get("briefs", {})

    def keep(item: Any) -> bool:
        return not (isinstance(item, dict) and item.get("ref") in dropped["attributes"])

    def change(node: Any) -> Any:
        if isinstance(node, dict):
            node = {key: change(value) for key, value in node.items()}
            name = node.get("key") or node.get("name") or node.get("type")
            if isinstance(name, str) and name in briefs:
                node["brief"] = briefs[name]
            return node
        if isinstance(node, list):
            return [change(item) for item in node if keep(item)]
        return renames.get(node, node) if isinstance(node, str) else node

    files = []
    for path, content in load_files(base_dir):
        if path in dropped_files:
            continue
        content = dict(content)
        for section, names in dropped.items():
            if section in content:
                content[section] = [
                    spec
                    for spec in content[section]
                    if (spec.get("key") or spec.get("name") or spec.get("id")) not in names
                ]
        files.append((path, change(content)))
    return files + [(f"{overlay_dir.name}/{path}", content) for path, content in load_files(overlay_dir)]


def rename_strings(node: Any, renames: dict[str, str]) -> Any:
    """``node`` with every string equal to a key of ``renames`` replaced by its value."""
    if isinstance(node, dict):
        return {key: rename_strings(value, renames) for key, value in node.items()}
    if isinstance(node, list):
        return [rename_strings(item, renames) for item in node]
    return renames.get(node, node) if isinstance(node, str) else node


def latest_changes(semconv_dir: Path) -> dict[str, Any]:
    return yaml.safe_load((semconv_dir / "latest-changes.yaml").read_text(encoding="utf-8"))


def resolve_latest(semconv_dir: Path) -> dict[str, Any]:
    """The resolved ``gen_ai_latest_experimental`` registry: ``registry/`` changed by
    ``latest-changes.yaml``, plus ``registry-latest/``."""
    changes = latest_changes(semconv_dir)
    return resolve_files(overlay_files(semconv_dir / "registry", semconv_dir / "registry-latest", changes))


def resolve(registry_dir: Path) -> dict[str, Any]:
    """The resolved registry: attributes, spans, events and metrics with their attribute lists."""
    return resolve_files(load_files(registry_dir))


def resolve_files(files: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The resolved registry of the given (path, content) definition files."""
    resolver = _Resolver(files)

    def common(spec: dict[str, Any]) -> dict[str, Any]:
        return {
            "brief": " ".join(str(spec.get("brief", "")).split()),
            "note": str(spec.get("note", "")).strip(),
            "stability": spec.get("stability", "development"),
            "file": spec["file"],
        }

    spans = {}
    for span_type, spec in resolver.spans.items():
        spans[span_type] = {
            **common(spec),
            "type": span_type,
            "kind": spec["kind"],
            "name_note": str((spec.get("name") or {}).get("note", "")).strip(),
            "attributes": resolver.signal_attributes(spec.get("attributes", [])),
        }
    refinements = {}
    for refinement_id, spec in resolver.span_refinements.items():
        base = resolver.spans.get(spec["ref"])
        if base is None:
            raise RegistryError(f"span refinement {refinement_id!r} refines unknown span {spec['ref']!r}")
        refinements[refinement_id] = {
            **common(spec),
            "id": refinement_id,
            "ref": spec["ref"],
            "attributes": resolver.signal_attributes(base.get("attributes", []) + spec.get("attributes", [])),
            "overrides": resolver.overrides(spec.get("attributes", [])),
        }
    events = {
        name: {
            **common(spec),
            "name": name,
            "requirement_level": _requirement(spec.get("requirement_level"))[0],
            "attributes": resolver.signal_attributes(spec.get("attributes", [])),
        }
        for name, spec in resolver.events.items()
    }
    metrics = {
        name: {
            **common(spec),
            "name": name,
            "instrument": spec["instrument"],
            "unit": spec["unit"],
            "value_type": spec.get("annotations", {}).get("code_generation", {}).get("metric_value_type"),
            "buckets": spec.get("annotations", {}).get("otel_llm", {}).get("explicit_bucket_boundaries"),
            "attributes": resolver.signal_attributes(spec.get("attributes", [])),
        }
        for name, spec in resolver.metrics.items()
    }
    for refinement_id, spec in resolver.metric_refinements.items():
        if spec["ref"] not in metrics:
            raise RegistryError(f"metric refinement {refinement_id!r} refines unknown metric {spec['ref']!r}")
        # Refinements add provider-specific attributes (all recommended) to the metric they refine.
        present = {entry["key"] for entry in metrics[spec["ref"]]["attributes"]}
        added = resolver.signal_attributes(spec.get("attributes", []))
        metrics[spec["ref"]]["attributes"] += [entry for entry in added if entry["key"] not in present]
    return {
        "attributes": dict(sorted(resolver.attributes.items())),
        "spans": spans,
        "span_refinements": refinements,
        "events": events,
        "metrics": metrics,
    }
