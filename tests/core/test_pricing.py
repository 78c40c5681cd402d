from __future__ import annotations

import json

import pytest

from otel_llm.telemetry.pricing import ModelPrice, load_price_table

PROVIDER_MODELS = {
    "openai": [
        "gpt-4o",
        "gpt-4o-mini-2024-07-18",
        "gpt-4.1-nano-2025-04-14",
        "o3-mini",
        "text-embedding-3-small",
    ],
    "anthropic": ["claude-3-5-sonnet-20241022", "claude-sonnet-4-5-20250929", "claude-3-haiku-20240307"],
    "gemini": ["gemini-2.5-flash", "models/gemini-1.5-flash", "gemini-2.0-flash-001"],
    "bedrock": [
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "us.anthropic.claude-3-haiku-20240307-v1:0",
        "amazon.nova-pro-v1:0",
        "meta.llama3-1-70b-instruct-v1:0",
    ],
    "cohere": ["command-r-plus-08-2024", "command-r", "embed-english-v3.0"],
    "mistral": ["mistral-large-latest", "mistral-small-latest", "mistral-embed"],
    "groq": ["llama-3.3-70b-versatile", "llama-3.1-8b-instant"],
}


@pytest.mark.parametrize("provider", sorted(PROVIDER_MODELS))
def test_main_models_of_each_provider_are_priced(provider) -> None:
    table = load_price_table()
    for model in PROVIDER_MODELS[provider]:
        assert table.lookup(model) is not None, model


def test_table_is_dated_and_unknown_models_are_unpriced() -> None:
    table = load_price_table()
    assert table.version == "2025-10-01"
    assert table.lookup("my-finetune") is None
    assert table.lookup(None) is None


def test_cost_counts_cached_and_cache_write_tokens_at_their_prices() -> None:
    price = ModelPrice(input=3.0, output=15.0, cached_input=0.3, cache_write=3.75)
    # 1000 input tokens of which 600 cache reads and 100 cache writes, 200 output tokens
    expected = (300 * 3.0 + 600 * 0.3 + 100 * 3.75 + 200 * 15.0) / 1e6
    assert price.cost(1000, 200, cache_read=600, cache_write=100) == pytest.approx(expected)
    assert ModelPrice(input=1.0, output=2.0).cost(10, 0, cache_read=10) == pytest.approx(10 / 1e6)


def test_override_file_adds_and_replaces_models(tmp_path) -> None:
    override = tmp_path / "prices.json"
    override.write_text(
        json.dumps(
            {
                "version": "acme-2026-01",
                "models": {
                    "gpt-4o": {"input": 1.0, "output": 2.0},
                    "acme-llm": {"input": 0.5, "output": 0.5, "cached_input": 0.1},
                },
            }
        )
    )
    table = load_price_table(override)
    assert table.version == "2025-10-01+acme-2026-01"
    assert table.lookup("gpt-4o") == ModelPrice(1.0, 2.0)
    assert table.lookup("acme-llm") == ModelPrice(0.5, 0.5, 0.1)


def test_unreadable_override_keeps_bundled_prices(tmp_path, caplog) -> None:
    bad = tmp_path / "prices.json"
    bad.write_text("{not json")
    table = load_price_table(bad)
    assert table.lookup("gpt-4o") is not None
    assert "cannot read the price override file" in caplog.text
