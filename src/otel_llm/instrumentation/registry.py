"""The one list of what otel-llm instruments. Entry points, extras, the startup benchmark, the coverage
matrix and the tests derive from it, or a test checks them against it (``tests/core/test_registry.py``).

Adding a provider or a framework is one folder, ``otel_llm/instrumentation/<name>/``, and one line here.
"""

from __future__ import annotations

import enum
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from otel_llm.instrumentation._base import GenAIInstrumentor


class Kind(enum.Enum):
    PROVIDER = "provider"  # a model API's SDK: one span per model call
    FRAMEWORK = "framework"  # an orchestration or agent library above the SDKs
    PROTOCOL = "protocol"  # a protocol library (MCP): tool calls across processes, in one trace


@dataclass(frozen=True)
class Instrumented:
    """One instrumented library."""

    name: str
    """The folder under ``otel_llm/instrumentation/``, the tests' folder, and the pyproject extra."""
    kind: Kind
    instrumentor: str
    """The instrumentor class, exported by the folder's ``__init__``."""
    requirement: str
    """The pip requirement of the extra ``extra``."""
    package: str
    """The import package of the library (what an app imports, what instrument() waits for)."""

    @property
    def entry_point(self) -> str:
        """The ``opentelemetry_instrumentor`` entry-point name (``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS``)."""
        return f"otel_llm_{self.name}"

    @property
    def extra(self) -> str:
        return self.name.replace("_", "-")

    @property
    def module(self) -> str:
        return f"otel_llm.instrumentation.{self.name}"

    def load(self) -> type[GenAIInstrumentor]:
        return getattr(importlib.import_module(self.module), self.instrumentor)


P, F, R = Kind.PROVIDER, Kind.FRAMEWORK, Kind.PROTOCOL
REGISTRY: tuple[Instrumented, ...] = (
    Instrumented("openai", P, "OpenAIInstrumentor", "openai>=1.0", "openai"),
    Instrumented("anthropic", P, "AnthropicInstrumentor", "anthropic>=0.40", "anthropic"),
    Instrumented("bedrock", P, "BedrockInstrumentor", "boto3>=1.34.116", "botocore"),
    Instrumented("google_genai", P, "GoogleGenAIInstrumentor", "google-genai>=1.0", "google.genai"),
    Instrumented("cohere", P, "CohereInstrumentor", "cohere>=5.11", "cohere"),
    Instrumented("mistral", P, "MistralInstrumentor", "mistralai>=1.0", "mistralai"),
    Instrumented("ollama", P, "OllamaInstrumentor", "ollama>=0.4", "ollama"),
    Instrumented("groq", P, "GroqInstrumentor", "groq>=0.9", "groq"),
    Instrumented("litellm", P, "LiteLLMInstrumentor", "litellm>=1.40", "litellm"),
    Instrumented("langchain", F, "LangChainInstrumentor", "langchain-core>=0.3", "langchain_core"),
    Instrumented("llamaindex", F, "LlamaIndexInstrumentor", "llama-index-core>=0.12", "llama_index.core"),
    Instrumented("openai_agents", F, "OpenAIAgentsInstrumentor", "openai-agents>=0.2", "agents"),
    Instrumented("pydantic_ai", F, "PydanticAIInstrumentor", "pydantic-ai-slim[openai]>=2.0", "pydantic_ai"),
    Instrumented("smolagents", F, "SmolagentsInstrumentor", "smolagents[openai]>=1.0", "smolagents"),
    Instrumented("haystack", F, "HaystackInstrumentor", "haystack-ai>=2.9", "haystack"),
    Instrumented("dspy", F, "DSPyInstrumentor", "dspy>=2.6", "dspy"),
    Instrumented("mcp", R, "MCPInstrumentor", "mcp>=1.25", "mcp"),
)


def of_kind(kind: Kind) -> tuple[Instrumented, ...]:
    return tuple(entry for entry in REGISTRY if entry.kind is kind)
