"""Background processes with a log file and a pid file, health-checked over HTTP.

A pid file holds the pid and the executable, so ``stop`` signals a process only if that pid
still runs the same executable (a recycled pid is left alone).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class ProcessFailed(RuntimeError):
    """A managed process exited early or never became healthy."""


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """True when ``url`` answers with a 2xx status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _running_executable(pid: int) -> str | None:
    """Executable of a live (non-zombie) ``pid``, or None."""
    _reap(pid)
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state in ("Z", "X"):
            return None
        return os.readlink(f"/proc/{pid}/exe")
    except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
        return None


@dataclass
class ManagedProcess:
    """One service of the stack: how to start it and how to tell it is healthy."""

    name: str
    argv: Sequence[str]
    state_dir: Path
    health_url: str
    env: Mapping[str, str] = field(default_factory=dict)
    _popen: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "logs" / f"{self.name}.log"

    def start(self) -> int:
        """Spawn the process in its own session, output appended to its log; returns the pid."""
        if self.running_pid() is not None:
            raise ProcessFailed(f"{self.name} already runs (pid {self.running_pid()}, {self.pid_file})")
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self._popen = subprocess.Popen(
                list(self.argv),
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        executable = os.path.realpath(self.argv[0])
        self.pid_file.write_text(json.dumps({"pid": self._popen.pid, "executable": executable}))
        return self._popen.pid

    def running_pid(self) -> int | None:
        """Pid from the pid file if that process is alive and runs the recorded executable."""
        try:
            record = json.loads(self.pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        if _running_executable(record["pid"]) != record["executable"]:
            return None
        return int(record["pid"])

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """Poll the health URL until it answers 2xx; fail fast if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.running_pid() is None:
                raise ProcessFailed(f"{self.name} exited during start-up:\n{self.log_tail()}")
            if http_ok(self.health_url):
                return
            time.sleep(0.2)
        raise ProcessFailed(
            f"{self.name} not healthy at {self.health_url} after {timeout}s:\n{self.log_tail()}"
        )

    def terminate(self) -> int | None:
        """Send SIGTERM to the recorded process; returns its pid (None if it was not running)."""
        pid = self.running_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
        return pid

    def wait_stopped(self, pid: int | None, timeout: float = 20.0) -> None:
        """Wait for a terminated ``pid`` to exit (SIGKILL after ``timeout``), then drop the pid file."""
        if pid is not None:
            deadline = time.monotonic() + timeout
            while self.running_pid() is not None and time.monotonic() < deadline:
                time.sleep(0.1)
            if self.running_pid() is not None:
                os.kill(pid, signal.SIGKILL)
                while self.running_pid() is not None:
                    time.sleep(0.05)
        if self._popen is not None:
            self._popen.wait()
            self._popen = None
        self.pid_file.unlink(missing_ok=True)

    def stop(self, timeout: float = 20.0) -> bool:
        """SIGTERM (then SIGKILL after ``timeout``) the recorded process; True if one was stopped."""
        pid = self.terminate()
        self.wait_stopped(pid, timeout)
        return pid is not None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def stop_all(processes: Sequence[ManagedProcess], timeout: float = 20.0) -> dict[str, bool]:
    """Stop several processes at once (all signalled first); maps name to 'was running'."""
    pids = [(process, process.terminate()) for process in processes]
    for process, pid in pids:
        process.wait_stopped(pid, timeout)
    return {process.name: pid is not None for process, pid in pids}
