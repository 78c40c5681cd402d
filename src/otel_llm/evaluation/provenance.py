"""Where a run came from: the git revision of the working directory, recorded in the run's metadata."""

from __future__ import annotations

import subprocess
from pathlib import Path


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
