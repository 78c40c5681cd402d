"""``otel_llm.instrument()`` picks LlamaIndex up by its entry point, imported before or after it."""

from __future__ import annotations

import textwrap

import pytest

from tests.frameworks_server import run_instrumented_script

SCRIPT = """
import otel_llm
{before}
handle = otel_llm.instrument()
from llama_index.core.tools import FunctionTool

def shout(text: str) -> str:
    \"\"\"Upper-cases the text.\"\"\"
    return text.upper()

assert FunctionTool.from_defaults(shout).call(text="hi").content == "HI"
print("instrumented:", ",".join(handle.instrumented))
handle.shutdown()
"""


@pytest.mark.parametrize("imported_first", [True, False], ids=["imported-before", "imported-after"])
def test_instrument_picks_up_llamaindex(imported_first: bool) -> None:
    script = textwrap.dedent(SCRIPT.format(before="import llama_index.core" if imported_first else ""))
    stdout = run_instrumented_script(script)
    assert "LlamaIndexInstrumentor" in stdout
    assert '"name": "execute_tool shout"' in stdout
