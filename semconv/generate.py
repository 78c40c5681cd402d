"""Generate otel-llm's semconv constants, reference docs and checker data from ``semconv/registry``.

    python semconv/generate.py           # (re)write the generated files
    python semconv/generate.py --check   # exit 1 and list the files that are stale

Outputs: ``src/otel_llm/semconv/*.py`` (constants), ``docs/semconv/*.md`` (reference, and
``mode-{default,latest,duplicate}.md``: what each ``OTEL_SEMCONV_STABILITY_OPT_IN`` mode emits),
``src/otel_llm/testing/registry.json`` (the resolved registry the conformance checker loads) and
``src/otel_llm/testing/schemas/*.json`` (copies of ``semconv/schemas``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import jinja2
import yaml

SEMCONV_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(SEMCONV_DIR))

from resolve import latest_changes, rename_strings, resolve, resolve_latest  # noqa: E402

ROOT = SEMCONV_DIR.parent
LINE_LENGTH = 110
PYTHON_MODULES = ("__init__", "attributes", "metrics", "events", "spans")  # + latest.py
DOC_PAGES = ("README", "attributes", "spans", "events", "metrics")
GENERATED_ONLY_DIRS = (
    ROOT / "src/otel_llm/semconv",
    ROOT / "docs/semconv",
    ROOT / "src/otel_llm/testing/schemas",
)


def const(name: str) -> str:
    """``gen_ai.operation.name`` -> ``GEN_AI_OPERATION_NAME``."""
    return re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").upper()


def class_name(key: str) -> str:
    """``gen_ai.operation.name`` -> ``GenAiOperationName``."""
    return "".join(part.capitalize() for part in re.split(r"[._]", key) if part)


def docstring(text: str, indent: int = 0) -> str:
    """A triple-quoted docstring wrapped to the line length."""
    text = " ".join(text.split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"') or "(no description)"
    if text.endswith('"'):
        text += " "
    pad = " " * indent
    lines = textwrap.wrap(text, LINE_LENGTH - indent - 6, break_on_hyphens=False, break_long_words=False)
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    body = f"\n{pad}".join(lines)
    return f'"""{body}\n{pad}"""'


def assign(name: str, value: Any, annotation: str, indent: int = 0) -> str:
    """``NAME: annotation = value``, with long string values split over parenthesized lines."""
    prefix = f"{name}: {annotation} = "
    if isinstance(value, list):
        return _assign_tuple(prefix, value, indent)
    if not isinstance(value, str):
        return prefix + repr(value)
    text = " ".join(value.split())
    literal = json.dumps(text, ensure_ascii=False)
    if indent + len(prefix) + len(literal) <= LINE_LENGTH:
        return prefix + literal
    pad = " " * (indent + 4)
    chunks = textwrap.wrap(text, LINE_LENGTH - indent - 8, drop_whitespace=False, break_on_hyphens=False)
    lines = "\n".join(pad + json.dumps(chunk, ensure_ascii=False) for chunk in chunks)
    return f"{prefix}(\n{lines}\n{' ' * indent})"


def _assign_tuple(prefix: str, values: list[Any], indent: int) -> str:
    literal = "(" + ", ".join(repr(value) for value in values) + ("," if len(values) == 1 else "") + ")"
    if indent + len(prefix) + len(literal) <= LINE_LENGTH:
        return prefix + literal
    pad = " " * (indent + 4)
    lines = textwrap.wrap(", ".join(repr(value) for value in values) + ",", LINE_LENGTH - len(pad))
    return prefix + "(\n" + "\n".join(pad + line for line in lines) + f"\n{' ' * indent})"


def md_cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def md_examples(values: list[Any]) -> str:
    shown = []
    for value in values[:3]:
        rendered = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        rendered = " ".join(rendered.split())
        shown.append(f"`{rendered}`" if len(rendered) <= 60 else f"`{rendered[:57]}...`")
    return "; ".join(shown)


def requirement(entry: dict[str, Any]) -> str:
    label = {
        "required": "Required",
        "conditionally_required": "Conditionally Required",
        "recommended": "Recommended",
        "opt_in": "Opt-In",
    }[entry["requirement_level"]]
    return f"`{label}` {entry['condition']}".strip()


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(SEMCONV_DIR / "templates"),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(
        const=const,
        class_name=class_name,
        docstring=docstring,
        assign=assign,
        md_cell=md_cell,
        md_examples=md_examples,
        requirement=requirement,
    )
    return env


def checker_data(registry: dict[str, Any], renames: dict[str, str] | None = None) -> dict[str, Any]:
    """The resolved registry plus the checker's mapping rules from ``semconv/conformance.yaml``, with the
    span types renamed as in the registry (``renames``)."""
    rules = yaml.safe_load((SEMCONV_DIR / "conformance.yaml").read_text(encoding="utf-8"))
    return {**registry, "rules": rename_strings(rules, renames or {})}


def _differs(metric: dict[str, Any], default: dict[str, Any] | None) -> bool:
    """Whether a latest-registry metric is new, or defined otherwise than the default registry's."""
    fields = ("instrument", "unit", "brief", "buckets")
    return default is None or any(metric[field] != default[field] for field in fields)


# docs/semconv/mode-<name>.md: (title, the variable's value, what the mode emits)
MODES = {
    "default": ("default", "without `gen_ai_latest_experimental`", "The v1.41-era names."),
    "latest": ("latest", "contains `gen_ai_latest_experimental`", "The latest experimental names only."),
    "duplicate": (
        "duplicate",
        "contains `gen_ai_latest_experimental/dup`",
        "Both sets of names: every renamed attribute under both keys, every renamed metric under both names.",
    ),
}


SECTIONS = ("attributes", "spans", "metrics")


def _emitted(registry: dict[str, Any], *not_emitted: dict[str, list[str]]) -> dict[str, Any]:
    """``registry`` without the definitions otel-llm never emits (``semconv/not-emitted.yaml``)."""
    left_out = {
        section: {name for names in not_emitted for name in names.get(section, ())} for section in SECTIONS
    }
    return {
        **registry,
        **{
            section: {name: spec for name, spec in registry[section].items() if name not in left_out[section]}
            for section in SECTIONS
        },
    }


def mode_registries(default: dict[str, Any], latest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What each mode emits. The duplicate mode: the latest registry plus the default attributes, spans
    and metrics under their own names (as the conformance checker loads it)."""
    not_emitted = yaml.safe_load((SEMCONV_DIR / "not-emitted.yaml").read_text(encoding="utf-8"))
    every_mode = not_emitted["every_mode"]
    default, latest = _emitted(default, every_mode, not_emitted["default"]), _emitted(latest, every_mode)
    dup = {**latest, **{section: {**default[section], **latest[section]} for section in SECTIONS}}
    # a renamed attribute is emitted under both keys wherever the latest signals carry it
    renamed = {
        new: old for old, new in latest_changes(SEMCONV_DIR)["rename"].items() if old in default["attributes"]
    }
    for section in ("spans", "span_refinements", "events"):
        dup[section] = {
            name: {**signal, "attributes": _with_old_keys(signal["attributes"], renamed)}
            for name, signal in dup[section].items()
        }
    return {"default": default, "latest": latest, "duplicate": dup}


def _with_old_keys(entries: list[dict[str, Any]], renamed: dict[str, str]) -> list[dict[str, Any]]:
    """Attribute entries with the old key's entry before each renamed one."""
    present = {entry["key"] for entry in entries}
    result = []
    for entry in entries:
        old = renamed.get(entry["key"])
        if old is not None and old not in present:
            result.append({**entry, "key": old})
        result.append(entry)
    return result


def _emitted_entries(signals: list[dict[str, Any]], attributes: dict[str, Any]) -> list[dict[str, Any]]:
    """Signals with only the attributes the mode emits."""
    return [
        {**signal, "attributes": [entry for entry in signal["attributes"] if entry["key"] in attributes]}
        for signal in signals
    ]


def _mode_page(env: jinja2.Environment, name: str, registries: dict[str, dict[str, Any]]) -> str:
    registry = registries[name]
    keys = registry["attributes"]
    title, setting, note = MODES[name]
    default, latest = registries["default"], registries["latest"]
    changed = sorted(
        key
        for section in SECTIONS
        for key in (set(default[section]) ^ set(latest[section]))
        if key in registry[section]
    )
    spans = sorted(registry["spans"].values(), key=lambda span: span["type"]) + [
        {
            **refinement,
            "type": refinement["id"],
            "refines": refinement["ref"],
            "kind": registry["spans"][refinement["ref"]]["kind"],
        }
        for refinement in sorted(registry["span_refinements"].values(), key=lambda r: r["id"])
        if refinement["ref"] in registry["spans"]
    ]
    return env.get_template("markdown/mode.md.j2").render(
        mode={"title": title, "setting": setting, "note": note},
        changed=changed,
        attributes=list(registry["attributes"].values()),
        spans=_emitted_entries(spans, keys),
        events=_emitted_entries(sorted(registry["events"].values(), key=lambda event: event["name"]), keys),
        metrics=_emitted_entries(
            sorted(registry["metrics"].values(), key=lambda metric: metric["name"]), keys
        ),
    )


def render() -> dict[Path, str]:
    """Generated file path -> expected content."""
    registry = resolve(SEMCONV_DIR / "registry")
    env = _environment()
    context = {
        "attributes": list(registry["attributes"].values()),
        "spans": sorted(registry["spans"].values(), key=lambda span: span["type"]),
        "span_refinements": list(registry["span_refinements"].values()),
        "events": sorted(registry["events"].values(), key=lambda event: event["name"]),
        "metrics": sorted(registry["metrics"].values(), key=lambda metric: metric["name"]),
        "registry_attributes": registry["attributes"],
    }
    outputs: dict[Path, str] = {}
    for module in PYTHON_MODULES:
        template = env.get_template(f"python/{module}.py.j2")
        outputs[ROOT / "src/otel_llm/semconv" / f"{module}.py"] = template.render(context)
    for page in DOC_PAGES:
        template = env.get_template(f"markdown/{page}.md.j2")
        outputs[ROOT / "docs/semconv" / f"{page}.md"] = template.render(context)
    testing = ROOT / "src/otel_llm/testing"
    outputs[testing / "registry.json"] = json.dumps(checker_data(registry), indent=1, sort_keys=True) + "\n"
    latest = resolve_latest(SEMCONV_DIR)
    outputs[testing / "registry-latest.json"] = (
        json.dumps(checker_data(latest, latest_changes(SEMCONV_DIR)["rename"]), indent=1, sort_keys=True)
        + "\n"
    )
    default_metrics = registry["metrics"]
    added = {
        "attributes": [
            spec for key, spec in latest["attributes"].items() if key not in registry["attributes"]
        ],
        "metrics": [
            spec
            for name, spec in sorted(latest["metrics"].items())
            if _differs(spec, default_metrics.get(name))
        ],
    }
    outputs[ROOT / "src/otel_llm/semconv/latest.py"] = env.get_template("python/latest.py.j2").render(added)
    registries = mode_registries(registry, latest)
    for name in MODES:
        outputs[ROOT / "docs/semconv" / f"mode-{name}.md"] = _mode_page(env, name, registries)
    for schema in sorted((SEMCONV_DIR / "schemas").glob("*.json")):
        outputs[testing / "schemas" / schema.name] = schema.read_text(encoding="utf-8")
    return outputs


def stale_files(outputs: dict[Path, str]) -> list[Path]:
    """Generated files whose content differs, plus leftovers in directories that hold only generated files."""
    stale = [path for path, text in outputs.items() if not path.exists() or path.read_text("utf-8") != text]
    for directory in GENERATED_ONLY_DIRS:
        stale += [path for path in directory.glob("*") if path.is_file() and path not in outputs]
    return sorted(set(stale))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale generated files")
    args = parser.parse_args(argv)
    outputs = render()
    stale = stale_files(outputs)
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)}", file=sys.stderr)
        if stale:
            print("run: python semconv/generate.py", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        if path in outputs:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(outputs[path], encoding="utf-8")
        else:
            path.unlink()
        print(f"wrote: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
