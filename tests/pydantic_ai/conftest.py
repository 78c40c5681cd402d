from __future__ import annotations

import pytest

pytest.importorskip("pydantic_ai")

from otel_llm.instrumentation.pydantic_ai import PydanticAIInstrumentor
from tests.agent_trees import framework_fixture

instrument = framework_fixture(PydanticAIInstrumentor)
