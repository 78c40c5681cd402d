"""Where a run came from, recorded in the run's metadata: the app's version and the git revision."""

from __future__ import annotations

import subprocess
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_VERSION, Resource

from otel_llm.evaluation.results import APP_VERSION


def app_version() -> dict[str, str]:
    """``{"app_version": v}``: ``service.version`` of the app's resource, empty when it sets none.

    The resource is the global tracer provider's (the app's own, or the one ``otel-llm eval`` set up
    from ``OTEL_RESOURCE_ATTRIBUTES``); without an SDK provider, the one the environment describes.
    """
    resource = getattr(trace.get_tracer_provider(), "resource", None)
    if not isinstance(resource, Resource):
        resource = Resource.create()
    version = resource.attributes.get(SERVICE_VERSION)
    return {APP_VERSION: str(version)} if version not in (None, "") else {}


def git_revision(cwd: str | Path | None = None) -> dict[str, str]:
    """``{"git_revision": sha, "git_dirty": "yes"|"no"}`` of the repository at ``cwd``; empty outside one."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"git_revision": sha, "git_dirty": "yes" if status.strip() else "no"} if sha else {}
