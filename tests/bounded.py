"""Run a call in a forked child with a deadline: a test of a hang fails instead of hanging the suite.

The regex engine holds the GIL, so a thread could not time out a catastrophic pattern; a process can.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable
from typing import Any


def _run(call: Callable[..., Any], args: tuple[Any, ...], out: Any) -> None:
    out.put(call(*args))


def finishes_within(seconds: float, call: Callable[..., Any], *args: Any) -> Any:
    """``call(*args)``'s result (picklable) if it returns within ``seconds``; else the test fails."""
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    child = context.Process(target=_run, args=(call, args, out), daemon=True)
    child.start()
    try:
        return out.get(timeout=seconds)
    except queue.Empty:
        name = getattr(call, "__qualname__", call)
        raise AssertionError(f"{name} did not return within {seconds} s") from None
    finally:
        child.kill()
        child.join()
