"""The layers of ``src/otel_llm`` hold: no import cycle, each layer imports only the layers below it, no
provider imports another, and importing an instrumentor loads neither the OTel SDK nor the features."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from otel_llm.instrumentation.registry import REGISTRY

from .import_graph import cycles, imports

# Lowest first. A module may import its own layer and those below; the package root is lazy.
LAYERS = (
    ("otel_llm._version", "otel_llm.semconv", "otel_llm.config"),
    ("otel_llm.telemetry", "otel_llm.sdk_setup"),
    ("otel_llm.formats",),
    ("otel_llm.instrumentation",),
    ("otel_llm.guardrails", "otel_llm.evaluation", "otel_llm.monitoring"),
    ("otel_llm._instrument",),
    ("otel_llm.cli", "otel_llm.demo", "otel_llm.stack", "otel_llm.testing", "otel_llm"),
)


def _layer(module: str) -> int:
    best = max(
        ((len(prefix), level) for level, prefixes in enumerate(LAYERS) for prefix in prefixes
         if module == prefix or module.startswith(prefix + ".")),
    )  # fmt: skip
    return best[1]


def test_there_is_no_import_cycle() -> None:
    assert cycles(imports()) == []


def test_each_layer_imports_only_itself_and_the_layers_below() -> None:
    upward = sorted(
        (module, target)
        for module, targets in imports().items()
        for target in targets
        if _layer(target) > _layer(module)
    )
    assert upward == []


def test_no_provider_imports_another_provider() -> None:
    def folder(module: str) -> str | None:
        parts = module.split(".")
        return (
            parts[2]
            if len(parts) > 2 and parts[1] == "instrumentation" and not parts[2].startswith("_")
            else None
        )

    crossing = sorted(
        (module, target)
        for module, targets in imports().items()
        for target in targets
        if folder(module)
        and folder(target)
        and folder(module) != folder(target)
        and folder(target) != "registry"
    )
    assert crossing == []


def test_a_provider_that_imports_another_fails_the_check(tmp_path, monkeypatch) -> None:
    """The check above reads real imports: a groq module importing the OpenAI provider is caught."""
    from . import import_graph

    fake = tmp_path / "otel_llm"
    (fake / "instrumentation" / "groq").mkdir(parents=True)
    (fake / "instrumentation" / "openai").mkdir(parents=True)
    for init in (
        fake,
        fake / "instrumentation",
        fake / "instrumentation" / "groq",
        fake / "instrumentation" / "openai",
    ):
        (init / "__init__.py").write_text("")
    (fake / "instrumentation" / "openai" / "_sdk.py").write_text("CHAT = 1\n")
    (fake / "instrumentation" / "groq" / "_sdk.py").write_text(
        "from otel_llm.instrumentation.openai._sdk import CHAT\n"
    )
    monkeypatch.setattr(import_graph, "ROOT", fake)
    assert imports()["otel_llm.instrumentation.groq._sdk"] == {"otel_llm.instrumentation.openai._sdk"}
    with pytest.raises(AssertionError):
        test_no_provider_imports_another_provider()


PROBE = """
import importlib, json, sys
importlib.import_module(%r)
loaded = sorted(name for name in sys.modules if name.startswith("otel_llm"))
later = ("opentelemetry.sdk", "opentelemetry.exporter", "otel_llm.guardrails", "otel_llm.evaluation",
         "otel_llm.formats")
heavy = sorted(name for name in sys.modules if name.startswith(later))
print(json.dumps({"loaded": loaded, "heavy": heavy}))
"""


@pytest.mark.parametrize("entry", REGISTRY, ids=lambda entry: entry.name)
def test_importing_an_instrumentor_loads_only_its_declaration(entry) -> None:
    """No OTel SDK or exporter, no guardrails or evaluation, no format: they load on instrument()."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE % entry.module], capture_output=True, text=True, timeout=120, check=True
    )
    probe = json.loads(result.stdout)
    assert probe["heavy"] == []
    assert len(probe["loaded"]) < 10, probe["loaded"]
