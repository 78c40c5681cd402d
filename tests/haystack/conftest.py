from __future__ import annotations

import pytest

pytest.importorskip("haystack")

from otel_llm.instrumentation.haystack import HaystackInstrumentor
from tests.agent_trees import framework_fixture

instrument = framework_fixture(HaystackInstrumentor)
