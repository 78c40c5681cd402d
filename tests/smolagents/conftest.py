from __future__ import annotations

import pytest

pytest.importorskip("smolagents")

from otel_llm.instrumentation.smolagents import SmolagentsInstrumentor
from tests.agent_trees import framework_fixture

instrument = framework_fixture(SmolagentsInstrumentor)
