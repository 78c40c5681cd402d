"""Model names as providers report them, reduced to the model: one normaliser for prices and formats."""

from __future__ import annotations

import re

# Bedrock cross-region inference profiles put a geography before the model id (us.anthropic.claude-…).
BEDROCK_GEOGRAPHIES = ("us-gov", "us", "eu", "apac", "global", "jp", "au", "ca")
_BEDROCK_PROFILE = re.compile(rf"^(?:{'|'.join(re.escape(g) for g in BEDROCK_GEOGRAPHIES)})\.(?=[^.]+\.)")


def bedrock_model(model_id: str) -> str:
    """The model of a Bedrock model id, inference profile or ARN: ``anthropic.claude-…`` for
    ``anthropic.claude-…``, ``jp.anthropic.claude-…`` and ``arn:…/eu.anthropic.claude-…``."""
    return _BEDROCK_PROFILE.sub("", model_id.rsplit("/", 1)[-1])


def normalise_model(model: str) -> str:
    """Lower case, without resource paths (``models/``, ``publishers/google/models/``, ARNs, LiteLLM's
    ``openai/``) and Bedrock geography prefixes."""
    return bedrock_model(model.strip().lower())
