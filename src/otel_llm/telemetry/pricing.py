"""The cost of one operation, from genai-prices' bundled price snapshot (never its network update) and
an optional override file. Never touches the network.

genai-prices knows each model's prices per token kind (uncached input, cache reads, cache writes, output,
reasoning, per request), by date and by input-size tier. Its own calculation takes a few hundred
microseconds, too long for every call: for each model price and input-size tier, the per-token rates
are read once from genai-prices (by asking it the price of unit usages) and a call's cost is then
linear in its token counts, as genai-prices computes it within a tier.

A cost's ``otel_llm.price_table.version`` names the data: ``genai-prices 0.2.3 (2026-12-01)``, the
package version and the date of the newest price in its bundled data that applies at the call (the
data carries no snapshot date of its own; its newest price change in effect is when the prices used
were last dated). An override file adds ``+`` and its own ``version``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from otel_llm.telemetry.models import normalise_model

logger = logging.getLogger(__name__)

_PER_TOKEN = 1e-6  # prices are per million tokens
_EPOCH = date(1970, 1, 1).toordinal()
# Suffixes that date or version a model, removed one at a time for override names: -2024-07-18,
# -20241022, @20240620, Bedrock's -v1:0, :latest, -latest, -preview.
_VERSION_SUFFIX = re.compile(
    r"(?::\d+|:latest|-latest|-preview|[-@]\d{8}|-\d{4}-\d{2}-\d{2}|-v\d+|-\d{3,4}|-\d{2}-\d{4})$"
)
# gen_ai.provider.name -> genai-prices provider id. Self-hosted (ollama) is not priced.
PROVIDERS = {
    "openai": "openai",
    "azure.ai.openai": "azure",
    "anthropic": "anthropic",
    "aws.bedrock": "aws",
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google",
    "cohere": "cohere",
    "mistral_ai": "mistral",
    "groq": "groq",
    "x_ai": "x-ai",
    "deepseek": "deepseek",
    "perplexity": "perplexity",
    "moonshot_ai": "moonshotai",
}
_ANY_PROVIDER = ("litellm", None)  # providers whose model names say the provider (genai-prices matches them)


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per million tokens of each kind; ``per_call`` USD per request."""

    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    per_call: float = 0.0

    def cost(
        self,
        input_tokens: int,
        output_tokens: int,
        cache_read: int = 0,
        cache_write: int = 0,
        reasoning: int = 0,
    ) -> float:
        """USD for one call. ``input_tokens`` includes cache reads and writes and ``output_tokens``
        includes reasoning tokens, as the conventions say."""
        cached_price = self.input if self.cached_input is None else self.cached_input
        write_price = self.input if self.cache_write is None else self.cache_write
        reasoning_price = self.output if self.reasoning is None else self.reasoning
        uncached = max(input_tokens - cache_read - cache_write, 0)
        dollars = (
            uncached * self.input
            + cache_read * cached_price
            + cache_write * write_price
            + output_tokens * self.output
            + reasoning * (reasoning_price - self.output)  # reasoning tokens are output tokens too
        )
        return dollars * _PER_TOKEN + self.per_call


# -- genai-prices -----------------------------------------------------------------------------------


def price_dates(providers: Iterable[Any]) -> tuple[date, ...]:
    """Every date from which one of genai-prices' prices applies (its ``StartDateConstraint``s of
    conditional prices and price variants), sorted, without repeats."""
    from genai_prices.types import StartDateConstraint

    found = set()
    for provider in providers:
        for model in provider.models:
            conditional = model.prices if isinstance(model.prices, list) else []
            for condition in (*conditional, *(model.price_variants or ())):
                if isinstance(condition.constraint, StartDateConstraint):
                    found.add(condition.constraint.start_date)
    return tuple(sorted(found))


def price_stamp(package: str, dates: tuple[date, ...], today: date) -> tuple[str, date | None]:
    """(the stamp on ``today``: the package and its newest price date in effect, the next price date)."""
    index = bisect_right(dates, today)
    following = dates[index] if index < len(dates) else None
    return (f"{package} ({dates[index - 1].isoformat()})" if index else package), following


class _Catalog:
    """genai-prices' bundled snapshot, loaded once per process (a few hundred ms of imports) by
    ``instrument()``, or by the first priced call when instrumenting did not load it.

    The load runs in the calling thread, never in a background one: importing genai-prices imports
    httpx2, and a second thread importing the same modules as the app's own imports can hand either of
    them a partially initialised module.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded = False
        self.snapshot: Any = None
        self.package = "genai-prices"
        self.dates: tuple[date, ...] = ()
        self._stamp = self.package
        self._stamp_until = 0.0  # time.time() at which the stamp is computed again (the next price date)

    def start(self) -> None:
        """Load the snapshot now (``instrument()`` calls this, so calls do not wait for it)."""
        self.get()

    def _load(self) -> None:
        try:
            from importlib.metadata import version

            from genai_prices import data
            from genai_prices.data_snapshot import DataSnapshot

            # our own snapshot of the bundled data: an app's UpdatePrices never reaches these prices
            self.snapshot = DataSnapshot(providers=data.providers, from_auto_update=False)
            self.package = f"genai-prices {version('genai-prices')}"
            self.dates = price_dates(data.providers)
            self._stamp_until = 0.0
        except Exception:
            logger.exception("otel-llm cannot load genai-prices; costs come from the override file only")

    @property
    def version(self) -> str:
        """The bundled data's stamp now: ``genai-prices <version> (<newest price date in effect>)``, or
        ``genai-prices`` when it could not be loaded. Computed again when the next price date starts
        (genai-prices dates prices by the UTC day of the request)."""
        if time.time() >= self._stamp_until:
            stamp, following = price_stamp(self.package, self.dates, datetime.now(UTC).date())
            self._stamp = stamp
            # seconds since the epoch at that day's UTC midnight
            until = float("inf") if following is None else (following.toordinal() - _EPOCH) * 86400.0
            self._stamp_until = until
        return self._stamp

    def get(self) -> Any:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self._load()
                    self._loaded = True
        return self.snapshot


CATALOG = _Catalog()


def _first_tiers(model_price: Any) -> tuple[int, ...]:
    """The input-token thresholds at which any of a price's tiers starts."""
    starts = {
        tier.start for value in vars(model_price).values() if hasattr(value, "tiers") for tier in value.tiers
    }
    return tuple(sorted(starts))


def _linear(model_price: Any, total_input: int) -> ModelPrice:
    """The per-token rates of a genai-prices price for calls of ``total_input`` input tokens (in one tier),
    read from genai-prices' own calculation of unit usages."""
    from genai_prices.types import Usage

    def usd(**usage: int) -> Decimal:
        return model_price.calc_price(Usage(**usage))["total_price"]

    t, k = total_input, 1000
    base = usd(input_tokens=t)
    per_input = usd(input_tokens=t + 1) - base
    per_call = base - per_input * t
    with_output = usd(input_tokens=t, output_tokens=k)
    million = Decimal(1_000_000)
    return ModelPrice(
        input=float(per_input * million),
        output=float((with_output - base) / k * million),
        cached_input=float((usd(input_tokens=t, cache_read_tokens=t) - per_call) / t * million),
        cache_write=float((usd(input_tokens=t, cache_write_tokens=t) - per_call) / t * million),
        reasoning=float(
            (usd(input_tokens=t, output_tokens=k, output_reasoning_tokens=k) - base) / k * million
        ),
        per_call=float(per_call),
    )


class _GenAIModel:
    """One genai-prices model: its rates per active price (a model's prices may change by date or time
    of day) and input tier."""

    __slots__ = ("_fixed", "_rates", "info")

    def __init__(self, info: Any) -> None:
        self.info = info
        self._fixed = None if isinstance(info.prices, list) else info.prices  # one price, at all times
        self._rates: dict[int, tuple[Any, tuple[int, ...], dict[int, ModelPrice]]] = {}

    def price(self, input_tokens: int) -> ModelPrice:
        model_price = self._fixed or self.info.get_prices(datetime.now(UTC))
        entry = self._rates.get(id(model_price))
        if entry is None:  # the price object is kept in the entry, so its id is not reused
            entry = self._rates[id(model_price)] = (model_price, _first_tiers(model_price), {})
        _, tiers, by_band = entry
        band = sum(1 for start in tiers if input_tokens > start) if tiers else 0
        rates = by_band.get(band)
        if rates is None:
            representative = 1 if band == 0 else tiers[band - 1] + 1
            rates = by_band[band] = _linear(model_price, representative)
        return rates


# -- the table --------------------------------------------------------------------------------------


def _names(model: str) -> list[str]:
    """``model`` normalised, then without its version suffixes one at a time (for override names)."""
    names = [normalise_model(model)]
    while (shorter := _VERSION_SUFFIX.sub("", names[-1])) != names[-1] and shorter:
        names.append(shorter)
    return names


class PriceTable:
    """Override prices first (by normalised name, then without version suffixes), then genai-prices
    (by the provider's id and the model as reported, then normalised)."""

    def __init__(self, overrides: dict[str, ModelPrice], override_version: str | None = None) -> None:
        self._overrides = overrides
        self._override_version = override_version
        self._resolved: dict[tuple[str | None, str], ModelPrice | _GenAIModel | None] = {}
        CATALOG.start()

    @property
    def version(self) -> str:
        """The price data of a cost: genai-prices' version and newest price date in effect, plus the
        override file's version."""
        bundled = CATALOG.version
        return bundled if self._override_version is None else f"{bundled}+{self._override_version}"

    def lookup(self, model: str | None, provider: str | None = None) -> ModelPrice | _GenAIModel | None:
        if not model:
            return None
        key = (provider, model)
        try:
            return self._resolved[key]
        except KeyError:
            pass
        found = self._resolve(model, provider)
        if len(self._resolved) < 4096:  # bounded: model names come from user input
            self._resolved[key] = found
        return found

    def _resolve(self, model: str, provider: str | None) -> ModelPrice | _GenAIModel | None:
        for name in _names(model):
            if name in self._overrides:
                return self._overrides[name]
        provider_id = PROVIDERS.get(provider or "")
        if provider_id is None and provider not in _ANY_PROVIDER:
            return None
        snapshot = CATALOG.get()
        if snapshot is None:
            return None
        for ref in dict.fromkeys((model.strip(), normalise_model(model))):
            try:
                _, info = snapshot.find_provider_model(ref, None, provider_id, None)
            except LookupError:
                continue
            return _GenAIModel(info)
        return None

    def cost(
        self,
        provider: str | None,
        models: tuple[str | None, ...],
        input_tokens: int,
        output_tokens: int,
        cache_read: int = 0,
        cache_write: int = 0,
        reasoning: int = 0,
    ) -> float | None:
        """USD for one call of the first of ``models`` (response model, request model) that has a price."""
        for model in models:
            found = self.lookup(model, provider)
            if found is not None:
                price = found.price(input_tokens) if isinstance(found, _GenAIModel) else found
                return price.cost(input_tokens, output_tokens, cache_read, cache_write, reasoning)
        return None


# -- the override file ------------------------------------------------------------------------------

_FIELDS = {"input": "input", "output": "output", "cached_input": "cached_input", "cache_write": "cache_write",
           "reasoning": "reasoning"}  # fmt: skip


def _entry(name: str, entry: Any) -> ModelPrice | None:
    if not isinstance(entry, dict) or "input" not in entry:
        logger.warning("price file: model %r needs an object with an input price; ignored", name)
        return None
    try:
        values = {field: float(entry[key]) for key, field in _FIELDS.items() if entry.get(key) is not None}
    except (TypeError, ValueError):
        logger.warning("price file: model %r has a price that is not a number; ignored", name)
        return None
    values.setdefault("output", 0.0)
    return ModelPrice(**values)


def parse_prices(document: Any) -> tuple[str, dict[str, ModelPrice]]:
    """``{"version": ..., "models": {name: {input, output, cached_input?, cache_write?, reasoning?}}}``
    (USD per million tokens). Entries of another shape are skipped with a warning."""
    if not isinstance(document, dict) or not isinstance(document.get("models", {}), dict):
        raise ValueError("a price file is a JSON object with a 'models' object")
    prices = {}
    for name, entry in document.get("models", {}).items():
        price = _entry(str(name), entry)
        if price is not None:
            prices[normalise_model(str(name))] = price
    return str(document.get("version", "unknown")), prices


def load_price_table(override_file: str | Path | None = None) -> PriceTable:
    """genai-prices' bundled prices, with the models of ``override_file`` added or replaced. A file that
    cannot be read or has the wrong shape is logged and ignored: instrumenting never fails for it."""
    if not override_file:
        return PriceTable({})
    try:
        version, overrides = parse_prices(json.loads(Path(override_file).read_text()))
    except (OSError, ValueError) as error:
        logger.warning("cannot use the price file %s (%s); using the bundled prices", override_file, error)
        return PriceTable({})
    return PriceTable(overrides, version)
