"""pytest plugin: which provider x operation x mode x feature cells the passing tests cover.

Tests say what they cover with ``@pytest.mark.covers(provider=..., operation=..., mode=..., feature=...)``
(``mode``: ``sync``, ``async``, ``stream``, ``async_stream``; ``feature``: ``None``, ``tools``,
``embeddings``, ...). The OpenAI suite predates the marker: :func:`openai_cells` derives its cells from
node ids. With ``--coverage-matrix-json=PATH`` every test's outcome and cells are written to ``PATH``;
``benchmarks/coverage_matrix.py`` turns that into ``docs/coverage.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

MARKER = "covers"
OPTION = "--coverage-matrix-json"
_KEY = pytest.StashKey[dict[str, dict[str, Any]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION, default=None, help="write each test's outcome and covered cells to this JSON file"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(provider, operation, mode, feature): the coverage-matrix cell a test covers"
    )
    config.stash[_KEY] = {}


def openai_cells(nodeid: str) -> list[dict[str, Any]]:
    """Cells of the OpenAI suite's tests, from their node ids (its recorded scenarios are named
    ``chat_stream_async``, ``azure_chat``, ``responses_tool_calls``, ``embeddings``, ...)."""
    path, _, name = nodeid.partition("::")
    if path.endswith("test_stream_exits.py"):
        mode = "async_stream" if name.startswith("test_async_") else "stream"
        return [{"provider": "openai", "operation": "chat", "mode": mode, "feature": "stream_exits"}]
    if not (path.endswith("test_recorded.py") and name.startswith("test_recorded_scenario[")):
        return []
    scenario = name[name.index("[") + 1 :].split("-")[0]
    words = set(scenario.split("_"))
    stream, is_async = "stream" in words, "async" in words
    mode = ("async_" if is_async else "") + "stream" if stream else ("async" if is_async else "sync")
    embeddings = "embeddings" in words
    feature = "embeddings" if embeddings else "tools" if words & {"tools", "tool"} else None
    if "responses" in words and feature is None:
        feature = "responses_api"
    return [
        {
            "provider": "azure.ai.openai" if "azure" in words else "openai",
            "operation": "embeddings" if embeddings else "chat",
            "mode": mode,
            "feature": feature,
        }
    ]


def cells_of(item: pytest.Item) -> list[dict[str, Any]]:
    cells = []
    for mark in item.iter_markers(MARKER):
        cell = {key: mark.kwargs.get(key) for key in ("provider", "operation", "mode", "feature")}
        if cell["mode"] == "stream" and item.name.startswith("test_async_"):  # a shared sync+async suite
            cell["mode"] = "async_stream"
        cells.append(cell)
    if not cells and "tests/openai/" in item.nodeid:
        cells = openai_cells(item.nodeid)
    return cells


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    results = config.stash[_KEY]
    for item in items:
        cells = cells_of(item)
        if cells:
            results[item.nodeid] = {"cells": cells, "outcome": "not run"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    entry = item.config.stash[_KEY].get(item.nodeid)
    if entry is not None:
        if report.failed:
            entry["outcome"] = "failed"
        elif report.when == "call" and entry["outcome"] != "failed":
            entry["outcome"] = report.outcome
        elif report.skipped and entry["outcome"] == "not run":
            entry["outcome"] = "skipped"
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption(OPTION)
    if path:
        Path(path).write_text(json.dumps(session.config.stash[_KEY], indent=1, sort_keys=True) + "\n")
