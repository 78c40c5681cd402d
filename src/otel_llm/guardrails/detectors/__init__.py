"""Built-in detectors; importing this package registers them by name."""

from otel_llm.guardrails.detectors import addresses, classifiers, names, output, pii, secrets, text  # noqa: F401
from otel_llm.guardrails.detectors.base import Detector, create, register, registered

__all__ = ["Detector", "create", "register", "registered"]
