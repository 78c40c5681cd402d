from __future__ import annotations

import os

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the price map from the network
pytest.importorskip("dspy")

from otel_llm.instrumentation.dspy import DSPyInstrumentor
from otel_llm.instrumentation.litellm import LiteLLMInstrumentor
from tests.agent_trees import framework_fixture

instrument = framework_fixture(DSPyInstrumentor, providers=(LiteLLMInstrumentor,))
