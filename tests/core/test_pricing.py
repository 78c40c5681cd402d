"""Costs from genai-prices' bundled snapshot: for a model of each provider, with cached and reasoning
tokens, Bedrock cross-region profiles, input-size tiers, and the override file.

Each cost is checked against genai-prices' own calculation (``calc_price`` on its bundled data) and,
for a few, against the list price worked out by hand.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from genai_prices import data
from genai_prices.data_snapshot import DataSnapshot
from genai_prices.types import Usage

from otel_llm.telemetry.models import bedrock_model, normalise_model
from otel_llm.telemetry.pricing import CATALOG, ModelPrice, load_price_table, price_stamp
from tests.bundled_prices import bundled_stamp, data_dates

SNAPSHOT = DataSnapshot(providers=data.providers, from_auto_update=False)

# (gen_ai.provider.name, model as the response names it, genai-prices provider id)
MODELS = [
    ("openai", "gpt-4o-mini-2024-07-18", "openai"),
    ("openai", "o3-mini", "openai"),
    ("azure.ai.openai", "gpt-4o", "azure"),
    ("anthropic", "claude-3-5-sonnet-20241022", "anthropic"),
    ("gcp.gemini", "gemini-2.5-flash", "google"),
    ("gcp.vertex_ai", "gemini-2.0-flash-001", "google"),
    ("aws.bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0", "aws"),
    ("aws.bedrock", "amazon.nova-pro-v1:0", "aws"),
    ("cohere", "command-r-plus-08-2024", "cohere"),
    ("mistral_ai", "mistral-large-latest", "mistral"),
    ("groq", "llama-3.3-70b-versatile", "groq"),
]
USAGE = {
    "input_tokens": 12_000,
    "cache_read_tokens": 8_000,
    "output_tokens": 900,
    "output_reasoning_tokens": 400,
}


def genai_prices_usd(provider_id: str, model: str, **usage: int) -> float:
    """What genai-prices itself computes for this call, now."""
    provider, info = SNAPSHOT.find_provider_model(model, None, provider_id, None)
    return float(
        info.calc_price(Usage(**usage), provider, genai_request_timestamp=datetime.now(UTC)).total_price
    )


def our_usd(table, provider: str, model: str, usage: dict[str, int]) -> float | None:
    return table.cost(
        provider,
        (model,),
        usage.get("input_tokens", 0),
        usage.get("output_tokens", 0),
        usage.get("cache_read_tokens", 0),
        usage.get("cache_write_tokens", 0),
        usage.get("output_reasoning_tokens", 0),
    )


@pytest.mark.parametrize(("provider", "model", "provider_id"), MODELS, ids=[m[1] for m in MODELS])
def test_cost_of_a_model_of_each_provider_with_cached_and_reasoning_tokens(
    provider, model, provider_id
) -> None:
    table = load_price_table()
    assert our_usd(table, provider, model, USAGE) == pytest.approx(
        genai_prices_usd(provider_id, model, **USAGE)
    )
    plain = {"input_tokens": 1000, "output_tokens": 100}
    assert our_usd(table, provider, model, plain) == pytest.approx(
        genai_prices_usd(provider_id, model, **plain)
    )


def test_cached_and_reasoning_tokens_at_the_providers_prices() -> None:
    """gpt-4o-mini: $0.15 input, $0.075 cached input, $0.60 output per million; reasoning is output."""
    table = load_price_table()
    usd = our_usd(table, "openai", "gpt-4o-mini-2024-07-18", USAGE)
    assert usd == pytest.approx((4_000 * 0.15 + 8_000 * 0.075 + 900 * 0.60) / 1e6)
    # Anthropic prices cache writes above the input price: $3.75 against $3 for Claude 3.5 Sonnet
    writes = {"input_tokens": 2_000, "cache_write_tokens": 2_000}
    assert our_usd(table, "anthropic", "claude-3-5-sonnet-20241022", writes) == pytest.approx(
        2_000 * 3.75 / 1e6
    )


def test_input_size_tiers_are_genai_prices() -> None:
    """Claude Sonnet 4.5 costs more per token above 200k input tokens, for all of them."""
    table = load_price_table()
    for tokens in (1_000, 200_000, 200_001, 500_000):
        usage = {"input_tokens": tokens, "output_tokens": 1_000}
        expected = genai_prices_usd("anthropic", "claude-sonnet-4-5-20250929", **usage)
        assert our_usd(table, "anthropic", "claude-sonnet-4-5-20250929", usage) == pytest.approx(expected)
    small = our_usd(table, "anthropic", "claude-sonnet-4-5", {"input_tokens": 200_000})
    large = our_usd(table, "anthropic", "claude-sonnet-4-5", {"input_tokens": 200_001})
    assert large / 200_001 > small / 200_000 * 1.5


@pytest.mark.parametrize("geography", ["us", "eu", "apac", "jp", "au", "ca", "global"])
def test_bedrock_cross_region_profiles_are_priced(geography) -> None:
    """genai-prices prices the profiles it knows; a profile it does not know (here ca.) gets the model's
    price without the geography, by the one normaliser."""
    model = f"{geography}.anthropic.claude-sonnet-4-5-20250929-v1:0"
    table = load_price_table()
    usage = {"input_tokens": 3_000, "cache_read_tokens": 1_000, "output_tokens": 500}
    try:
        expected = genai_prices_usd("aws", model, **usage)
    except LookupError:
        assert geography == "ca"
        expected = genai_prices_usd("aws", bedrock_model(model), **usage)
    assert our_usd(table, "aws.bedrock", model, usage) == pytest.approx(expected)
    arn = f"arn:aws:bedrock:us-east-1:012345678901:inference-profile/{model}"
    assert our_usd(table, "aws.bedrock", arn, usage) == pytest.approx(expected)


def test_one_normaliser_for_bedrock_profiles() -> None:
    for geography in ("us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"):
        assert bedrock_model(f"{geography}.anthropic.claude-3-haiku-20240307-v1:0") == (
            "anthropic.claude-3-haiku-20240307-v1:0"
        )
    assert bedrock_model(
        "arn:aws:bedrock:eu-west-1:1:inference-profile/eu.meta.llama3-2-1b-instruct-v1:0"
    ) == ("meta.llama3-2-1b-instruct-v1:0")
    assert bedrock_model("amazon.nova-pro-v1:0") == "amazon.nova-pro-v1:0"  # "amazon" is no geography
    assert normalise_model(" Models/Gemini-2.5-Flash ") == "gemini-2.5-flash"


def test_the_price_snapshot_is_named_and_unknown_models_are_unpriced() -> None:
    table = load_price_table()
    assert our_usd(table, "openai", "gpt-4o", {"input_tokens": 1}) is not None
    assert table.version == bundled_stamp()
    assert our_usd(table, "openai", "my-finetune", {"input_tokens": 10}) is None
    assert our_usd(table, "ollama", "llama3.2", {"input_tokens": 10}) is None  # self-hosted: no price
    assert table.cost("openai", (None, None), 10, 10) is None


def data_version() -> str:
    from importlib.metadata import version

    return version("genai-prices")


def test_the_stamp_is_the_package_and_its_newest_price_date_in_effect() -> None:
    """The bundled data carries no snapshot date: the stamp dates it by its newest price in effect
    (genai-prices applies a dated price from that UTC day on)."""
    load_price_table()
    today = datetime.now(UTC).date()
    dates = data_dates()
    assert list(CATALOG.dates) == dates  # the data's own dates, read from its source text here
    in_effect = max(day for day in dates if day <= today)
    assert CATALOG.version == f"genai-prices {data_version()} ({in_effect.isoformat()})" == bundled_stamp()
    assert in_effect >= date(2026, 12, 1)  # genai-prices 0.2.3's newest price in effect on 2026-12-02
    # at each of the data's price dates, the stamp moves to it and waits for the next one
    package = f"genai-prices {data_version()}"
    for index, day in enumerate(dates):
        following = dates[index + 1] if index + 1 < len(dates) else None
        assert price_stamp(package, CATALOG.dates, day) == (f"{package} ({day.isoformat()})", following)
        assert price_stamp(package, CATALOG.dates, day - timedelta(days=1))[0] == (
            f"{package} ({dates[index - 1].isoformat()})" if index else package
        )
        assert bundled_stamp(day) == f"{package} ({day.isoformat()})"


def test_the_stamp_is_computed_again_when_the_next_price_date_starts(monkeypatch) -> None:
    import otel_llm.telemetry.pricing as pricing

    load_price_table()
    today = datetime.now(UTC).date()
    upcoming = [day for day in CATALOG.dates if day > today]
    if not upcoming:
        pytest.skip("genai-prices' data has no price dated after today")
    day = upcoming[0]
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    before = CATALOG.version
    assert CATALOG._stamp_until == midnight.timestamp()

    class Clock:  # the pricing module's clock, one second after that UTC midnight
        @staticmethod
        def now(tz=None):
            return midnight + timedelta(seconds=1)

    monkeypatch.setattr(pricing.time, "time", lambda: midnight.timestamp() + 1)
    monkeypatch.setattr(pricing, "datetime", Clock)
    assert before == bundled_stamp(today)
    assert CATALOG.version == f"genai-prices {data_version()} ({day.isoformat()})" == bundled_stamp(day)
    monkeypatch.undo()
    CATALOG._stamp_until = 0.0  # back to today's stamp for the other tests
    assert CATALOG.version == before


def test_override_file_adds_and_replaces_models(tmp_path) -> None:
    override = tmp_path / "prices.json"
    override.write_text(
        json.dumps(
            {
                "version": "acme-2026-01",
                "models": {
                    "gpt-4o": {"input": 1.0, "output": 2.0},
                    "acme-llm": {"input": 0.5, "output": 0.5, "cached_input": 0.1, "reasoning": 4.0},
                },
            }
        )
    )
    table = load_price_table(override)
    assert table.version == f"{bundled_stamp()}+acme-2026-01"
    assert table.lookup("gpt-4o-2024-08-06") == ModelPrice(1.0, 2.0)  # version suffixes are dropped
    usage = {
        "input_tokens": 1_000,
        "cache_read_tokens": 600,
        "output_tokens": 300,
        "output_reasoning_tokens": 100,
    }
    assert our_usd(table, "acme", "acme-llm", usage) == pytest.approx(
        (400 * 0.5 + 600 * 0.1 + 200 * 0.5 + 100 * 4) / 1e6
    )
    # models the file does not name keep genai-prices' prices
    assert our_usd(table, "openai", "gpt-4o-mini", USAGE) == pytest.approx(
        genai_prices_usd("openai", "gpt-4o-mini", **USAGE)
    )


def test_unreadable_override_keeps_bundled_prices(tmp_path, caplog) -> None:
    bad = tmp_path / "prices.json"
    bad.write_text("{not json")
    table = load_price_table(bad)
    assert our_usd(table, "openai", "gpt-4o", {"input_tokens": 10}) is not None
    assert "cannot use the price file" in caplog.text


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"models": []},
        {"models": {"acme": "cheap"}},
        {"models": {"acme": {"input": "free", "output": 1}}},
        {"models": {"acme": {"output": 1}}},
        "prices",
        None,
    ],
    ids=["list", "models-list", "entry-string", "price-not-number", "no-input", "string", "null"],
)
def test_a_price_file_of_the_wrong_shape_does_not_crash_instrument(tmp_path, caplog, document) -> None:
    """Issue 18, bug 13: instrument() with such a file starts, warns, and keeps the bundled prices."""
    import otel_llm

    path = tmp_path / "prices.json"
    path.write_text(json.dumps(document))
    with caplog.at_level(logging.WARNING):
        handle = otel_llm.instrument(configure_sdk=False, evaluation_hooks=False, prices_file=str(path))
    try:
        table = handle.telemetry.prices
        assert our_usd(table, "openai", "gpt-4o", {"input_tokens": 10}) is not None
        assert our_usd(table, "acme", "acme", {"input_tokens": 10}) is None
        assert "price file" in caplog.text
    finally:
        handle.shutdown()
