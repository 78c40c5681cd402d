"""``otel_llm.instrument()`` picks LangChain up by its entry point, imported before or after it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = """
import json, otel_llm
{before}
handle = otel_llm.instrument()
from langchain_core.tools import tool

@tool
def shout(text: str) -> str:
    \"\"\"Upper-cases the text.\"\"\"
    return text.upper()

assert shout.invoke({{"text": "hi"}}) == "HI"
print("instrumented:", ",".join(handle.instrumented))
handle.shutdown()
"""


@pytest.mark.parametrize("imported_first", [True, False], ids=["imported-before", "imported-after"])
def test_instrument_picks_up_langchain(imported_first: bool) -> None:
    script = textwrap.dedent(SCRIPT.format(before="import langchain_core.tools" if imported_first else ""))
    env = {
        **os.environ,
        "OTEL_TRACES_EXPORTER": "console",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "LangChainInstrumentor" in result.stdout
    assert '"name": "execute_tool shout"' in result.stdout
    assert '"gen_ai.tool.name": "shout"' in result.stdout
