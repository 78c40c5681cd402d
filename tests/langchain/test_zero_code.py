"""``otel_llm.instrument()`` picks LangChain up by its entry point, imported before or after it."""

from __future__ import annotations

import textwrap

import pytest

from tests.frameworks_server import run_instrumented_script

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
    stdout = run_instrumented_script(script)
    assert "LangChainInstrumentor" in stdout
    assert '"name": "execute_tool shout"' in stdout
    assert '"gen_ai.tool.name": "shout"' in stdout
