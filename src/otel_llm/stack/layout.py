"""Where the stack's files live: the shipped configs and the runtime state directory."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGED_CONFIG_DIR = Path(__file__).resolve().parents[1] / "collector-config"


def collector_config_dir() -> Path:
    """The package-data configs (``otel_llm/collector-config/``, a link to the checkout's top-level
    ``collector-config/`` that wheels resolve into files), or ``$OTEL_LLM_COLLECTOR_CONFIG_DIR``."""
    explicit = os.environ.get("OTEL_LLM_COLLECTOR_CONFIG_DIR")
    path = Path(explicit) if explicit else _PACKAGED_CONFIG_DIR
    if not (path / "builder-config.yaml").exists():
        raise FileNotFoundError(
            f"no collector configs at {path} (no builder-config.yaml); set OTEL_LLM_COLLECTOR_CONFIG_DIR "
            "to a copy of otel_llm/collector-config/"
        )
    return path


def state_dir() -> Path:
    """Logs, pid files and storage of ``otel-llm stack``: ``$OTEL_LLM_STATE_DIR`` or the XDG state dir."""
    explicit = os.environ.get("OTEL_LLM_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "otel-llm" / "stack"
