"""Every recorded Bedrock scenario, through real boto3 clients, under each content-capture mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.recorded_genai import MODES, ExpectedTelemetry
from tests.semconv_modes import ALL_SEMCONV_MODES

from .recorded import CASSETTES, recorded_calls, replay

EXPECTED = ExpectedTelemetry(Path(__file__).parent / "expected.json")
_FEATURES = ("guardrail", "tool", "cache", "cross_region")


def _scenarios() -> dict[str, str]:
    """``test_nova_converse_stream`` -> its cassette path, for every recorded cassette (the ones recorded
    for openllmetry's metrics tests get a ``metrics_`` prefix)."""
    scenarios = {}
    for path in sorted(CASSETTES.rglob("*.yaml")):
        relative = path.relative_to(CASSETTES)
        prefix = "metrics_" if relative.parts[0] == "metrics" else ""
        scenarios[prefix + path.stem] = str(relative)
    return scenarios


SCENARIOS = _scenarios()


def _covers(name: str):
    call = recorded_calls(SCENARIOS[name])[0]
    operation = (
        "chat"
        if call.method.startswith("converse") or b'"messages"' in call.params.get("body", b"")
        else ("text_completion")
    )
    feature = next((f for f in _FEATURES if f in name), call.method.removesuffix("_with_response_stream"))
    feature = {"tool": "tools", "cache": "prompt_caching"}.get(feature, feature)
    return pytest.mark.covers(
        provider="aws.bedrock", operation=operation, mode="stream" if call.stream else "sync", feature=feature
    )


@ALL_SEMCONV_MODES
@pytest.mark.parametrize(
    ("scenario", "mode"),
    [
        pytest.param(name, mode, marks=_covers(name), id=f"{name}-{mode}")
        for name in SCENARIOS
        for mode in MODES
    ],
)
def test_recorded_scenario(scenario: str, mode: str, otel, instrument_bedrock) -> None:
    instrument_bedrock(capture_mode=mode)
    results = replay(SCENARIOS[scenario])
    EXPECTED.check(scenario, mode, otel, results)


def test_scenario_names_are_unique() -> None:
    assert len(SCENARIOS) == len(list(CASSETTES.rglob("*.yaml")))
