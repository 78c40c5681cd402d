"""Built-in detectors; importing this package registers them by name."""

from otel_llm.guardrails.detectors import (  # noqa: F401
    addresses,
    classifiers,
    names,
    output,
    pii,
    secrets,
    stereotypes,
    text,
)
from otel_llm.guardrails.detectors.base import Detector, create, register, registered

__all__ = ["Detector", "create", "register", "registered"]
