"""The A/B driver: the working tree against a git revision, one measuring process per side, alternating.

The revision's ``src/`` is exported with ``git archive`` (read-only) into a temporary folder. Each pair runs
one process per side, one after the other with a pause between, so that both see the machine in the same
phase. The measuring process is the benchmark's own script run with ``--measure``; it prints its figures
as JSON on its last line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKING_TREE = "working tree"


def export(revision: str, folder: Path) -> Path:
    """``src/`` of ``revision``, unpacked into ``folder``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "src"], check=True, capture_output=True
    ).stdout
    path = folder / "archive.tar"
    path.write_bytes(archive)
    with tarfile.open(path) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def measure_side(script: str, source: Path, arguments: Sequence[str] = ()) -> dict[str, float]:
    """Run ``script --measure *arguments`` with ``source`` first on the path; its last line, parsed."""
    environment = {**os.environ, "PYTHONPATH": str(source)}
    command = [sys.executable, script, "--measure", *arguments]
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=environment).stdout
    return json.loads(output.strip().splitlines()[-1])


def alternate(
    script: str, revision: str, pairs: int, arguments: Sequence[str] = ()
) -> Iterator[tuple[int, str, dict[str, float]]]:
    """``(pair, side, figures)`` for each side (``revision``, then the working tree) of each pair."""
    with tempfile.TemporaryDirectory() as folder:
        sides = {revision: export(revision, Path(folder)), WORKING_TREE: ROOT / "src"}
        for pair in range(1, pairs + 1):
            for name, source in sides.items():
                yield pair, name, measure_side(script, source, arguments)
                time.sleep(1)
