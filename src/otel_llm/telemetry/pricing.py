"""The bundled, dated price table and the cost of one operation. Never touches the network."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

logger = logging.getLogger(__name__)

_PER_TOKEN = 1e-6  # prices are per million tokens
# Prefixes that name a deployment, not a model: Bedrock cross-region profiles, Gemini resource paths.
_DEPLOYMENT_PREFIX = re.compile(r"^(?:(?:us|eu|apac|global|us-gov)\.|models/|publishers/[^/]+/models/)")
# Suffixes that date or version a model, removed one at a time: -2024-07-18, -20241022, @20240620,
# Bedrock's -v1:0, :latest, -latest, -preview.
_VERSION_SUFFIX = re.compile(
    r"(?::\d+|:latest|-latest|-preview|[-@]\d{8}|-\d{4}-\d{2}-\d{2}|-v\d+|-\d{3,4}|-\d{2}-\d{4})$"
)
# Bedrock names the vendor first (anthropic.claude-...): tried last, without the vendor.
_VENDOR_PREFIX = re.compile(r"^[a-z]+\.")


@dataclass(frozen=True, slots=True)
class ModelPrice:
    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None

    def cost(self, input_tokens: int, output_tokens: int, cache_read: int = 0, cache_write: int = 0) -> float:
        """USD for one call; ``input_tokens`` includes cache reads and writes, as the conventions say."""
        cached_price = self.input if self.cached_input is None else self.cached_input
        write_price = self.input if self.cache_write is None else self.cache_write
        uncached = max(input_tokens - cache_read - cache_write, 0)
        dollars = (
            uncached * self.input
            + cache_read * cached_price
            + cache_write * write_price
            + output_tokens * self.output
        )
        return dollars * _PER_TOKEN


class PriceTable:
    """Looks models up by exact name, then with deployment prefixes and version suffixes removed."""

    def __init__(self, version: str, prices: dict[str, ModelPrice]) -> None:
        self.version = version
        self._prices = prices
        self._resolved: dict[str, ModelPrice | None] = {}

    def __len__(self) -> int:
        return len(self._prices)

    def lookup(self, model: str | None) -> ModelPrice | None:
        if not model:
            return None
        try:
            return self._resolved[model]
        except KeyError:
            pass
        found = self._resolve(model)
        if len(self._resolved) < 4096:  # bounded: model names come from user input
            self._resolved[model] = found
        return found

    def _resolve(self, model: str) -> ModelPrice | None:
        name = _DEPLOYMENT_PREFIX.sub("", model.strip().lower())
        return self._without_suffixes(name) or self._without_suffixes(_VENDOR_PREFIX.sub("", name, count=1))

    def _without_suffixes(self, name: str) -> ModelPrice | None:
        while name:
            if name in self._prices:
                return self._prices[name]
            shorter = _VERSION_SUFFIX.sub("", name)
            if shorter == name:
                return None
            name = shorter
        return None


def _parse(document: dict) -> tuple[str, dict[str, ModelPrice]]:
    prices = {
        name.lower(): ModelPrice(
            input=float(entry["input"]),
            output=float(entry.get("output", 0.0)),
            cached_input=None if entry.get("cached_input") is None else float(entry["cached_input"]),
            cache_write=None if entry.get("cache_write") is None else float(entry["cache_write"]),
        )
        for name, entry in document.get("models", {}).items()
    }
    return str(document.get("version", "unknown")), prices


def load_price_table(override_file: str | Path | None = None) -> PriceTable:
    """The bundled table, with the models of ``override_file`` (same JSON format) added or replaced."""
    bundled = json.loads(resources.files(__package__).joinpath("prices/prices.json").read_text())
    version, prices = _parse(bundled)
    if override_file:
        try:
            override_version, overrides = _parse(json.loads(Path(override_file).read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            logger.exception(
                "cannot read the price override file %s; using the bundled prices", override_file
            )
        else:
            prices.update(overrides)
            version = f"{version}+{override_version}"
    return PriceTable(version, prices)
