"""Build or find the stack's binaries: ``otelcol-llm``, Jaeger v2, Prometheus and Alertmanager.

Go binaries are built from Go modules into a cache outside the repository,
``$OTEL_LLM_CACHE_DIR`` or ``${XDG_CACHE_HOME:-~/.cache}/otel-llm``, under ``bin/<name>-<key>``,
where ``key`` is the first 16 hex digits of the SHA-256 of the files that define the build.
A binary already in the cache is reused as is.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from otel_llm.stack.layout import collector_config_dir

BUILDER_PACKAGE = "go.opentelemetry.io/collector/cmd/builder"
BUILDER_VERSION = "v0.161.0"
JAEGER_PACKAGE = "github.com/jaegertracing/jaeger/cmd/jaeger"


class BinaryNotFound(RuntimeError):
    """A binary the stack needs is neither cached nor installed (and may not be built here)."""


def cache_dir() -> Path:
    """Root of the otel-llm build cache."""
    explicit = os.environ.get("OTEL_LLM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "otel-llm"


def content_key(paths: Sequence[Path]) -> str:
    """First 16 hex digits of the SHA-256 over the given files' names and contents."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def collector_manifest() -> Path:
    return collector_config_dir() / "builder-config.yaml"


def jaeger_module_dir() -> Path:
    return collector_config_dir() / "jaeger"


def collector_binary_path() -> Path:
    return cache_dir() / "bin" / f"otelcol-llm-{content_key([collector_manifest()])}"


def jaeger_binary_path() -> Path:
    module = jaeger_module_dir()
    return cache_dir() / "bin" / f"jaeger-{content_key([module / 'go.mod', module / 'go.sum'])}"


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise BinaryNotFound("the Go toolchain ('go') is needed to build the collector and Jaeger")
    return go


def _run_build(argv: Sequence[str], cwd: Path, log: Path) -> None:
    """Run one build step at low CPU priority, its output appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"$ {' '.join(argv)}  (in {cwd})\n".encode())
        out.flush()
        result = subprocess.run(["nice", "-n", "10", *argv], cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise RuntimeError(f"build step failed ({result.returncode}): {' '.join(argv)}; see {log}")


def _install_atomically(built: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.copy2(built, staging)
    staging.chmod(0o755)
    staging.replace(target)
    return target


def builder_binary() -> Path:
    """The OpenTelemetry Collector Builder, installed with ``go install`` when missing."""
    gopath = subprocess.run([_go(), "env", "GOPATH"], capture_output=True, text=True, check=True).stdout
    builder = Path(gopath.strip().split(os.pathsep)[0]) / "bin" / "builder"
    stamp = builder.with_name("builder.version")
    if not (builder.exists() and stamp.exists() and stamp.read_text() == BUILDER_VERSION):
        _run_build([_go(), "install", f"{BUILDER_PACKAGE}@{BUILDER_VERSION}"], Path.cwd(), _build_log())
        stamp.write_text(BUILDER_VERSION)
    return builder


def _build_log() -> Path:
    return cache_dir() / "build.log"


def build_collector(target: Path) -> Path:
    """Generate and compile ``otelcol-llm`` from the manifest into ``target``."""
    manifest = yaml.safe_load(collector_manifest().read_text())
    with tempfile.TemporaryDirectory(prefix="otelcol-llm-build-") as work:
        manifest["dist"]["output_path"] = work
        config = Path(work) / "manifest.yaml"
        config.write_text(yaml.safe_dump(manifest, sort_keys=False))
        _run_build([str(builder_binary()), "--config", str(config)], Path(work), _build_log())
        return _install_atomically(Path(work) / manifest["dist"]["name"], target)


def build_jaeger(target: Path) -> Path:
    """Compile Jaeger v2 from the pinned wrapper module into ``target``."""
    with tempfile.TemporaryDirectory(prefix="jaeger-build-") as work:
        built = Path(work) / "jaeger"
        _run_build(
            [_go(), "build", "-trimpath", "-o", str(built), JAEGER_PACKAGE], jaeger_module_dir(), _build_log()
        )
        return _install_atomically(built, target)


def collector_binary() -> Path:
    """The cached ``otelcol-llm`` (``$OTEL_LLM_COLLECTOR_BIN`` wins), built first if missing."""
    return _cached("OTEL_LLM_COLLECTOR_BIN", collector_binary_path(), build_collector)


def jaeger_binary() -> Path:
    """The cached Jaeger v2 binary (``$OTEL_LLM_JAEGER_BIN`` wins), built first if missing."""
    return _cached("OTEL_LLM_JAEGER_BIN", jaeger_binary_path(), build_jaeger)


def _cached(override_env: str, path: Path, build: Callable[[Path], Path]) -> Path:
    override = os.environ.get(override_env)
    if override:
        return Path(override)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # one build at a time per binary: a second caller waits, then finds the first one's result
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return path if path.exists() else build(path)


def _installed(override_env: str, name: str, hint: str) -> Path:
    found = os.environ.get(override_env) or shutil.which(name)
    if not found:
        raise BinaryNotFound(f"'{name}' not found; {hint}")
    return Path(found)


def prometheus_binary() -> Path:
    """Prometheus from the system (Debian: ``apt-get install prometheus``)."""
    return _installed("OTEL_LLM_PROMETHEUS_BIN", "prometheus", "install it with `apt-get install prometheus`")


def promtool_binary() -> Path:
    """promtool, shipped with Prometheus."""
    return _installed("OTEL_LLM_PROMTOOL_BIN", "promtool", "install it with `apt-get install prometheus`")


def alertmanager_binary() -> Path:
    """Alertmanager from the system (Debian's ``prometheus-alertmanager`` package and binary)."""
    hint = "install it with `apt-get install prometheus-alertmanager`"
    return _installed("OTEL_LLM_ALERTMANAGER_BIN", "prometheus-alertmanager", hint)
