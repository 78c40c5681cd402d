from __future__ import annotations

import json

import pytest

from otel_llm.telemetry.content import TRUNCATION_MARK, apply_hook, limit_size, to_json
from tests.bounded import finishes_within


def _messages(size: int) -> list[dict]:
    return [
        {"role": "system", "parts": [{"type": "text", "content": "s" * 40}]},
        {"role": "user", "parts": [{"type": "text", "content": "u" * size}]},
    ]


def test_short_content_is_untouched() -> None:
    value = _messages(10)
    assert limit_size(value, 1000) is value
    assert json.loads(to_json(value, 1000)) == value


def test_truncation_keeps_valid_json_of_the_same_shape_within_the_limit() -> None:
    value = _messages(5000)
    for limit in (300, 500, 2000):
        text = to_json(value, limit)
        assert len(text) <= limit
        parsed = json.loads(text)
        assert [m["role"] for m in parsed] == ["system", "user"]
        assert parsed[1]["parts"][0]["content"].endswith(TRUNCATION_MARK)
        assert parsed[1]["parts"][0]["content"].startswith("uuu")
        assert parsed[0]["parts"][0]["content"] == "s" * 40 or limit < 400


def test_when_strings_cannot_shrink_enough_oldest_messages_go_first() -> None:
    value = [
        {"role": "user", "parts": [{"type": "text", "content": f"message {i} " + "x" * 50}]}
        for i in range(50)
    ]
    parsed = json.loads(to_json(value, 400))
    assert len(to_json(value, 400)) <= 400
    assert parsed[-1]["parts"][0]["content"].startswith("message 49")


def test_zero_means_no_limit() -> None:
    value = _messages(100_000)
    assert limit_size(value, 0) is value


def test_hook_result_is_used_and_failures_drop_content() -> None:
    assert apply_hook(lambda name, v: ["redacted"], "gen_ai.input.messages", ["x"]) == ["redacted"]
    assert apply_hook(lambda name, v: 1 / 0, "gen_ai.input.messages", ["x"]) is None
    assert apply_hook(None, "gen_ai.input.messages", ["x"]) == ["x"]


def many_messages(count: int) -> list:
    return [
        {"role": "user", "parts": [{"type": "text", "content": f"message {i} " * 8}]} for i in range(count)
    ]


def test_many_messages_are_cut_in_n_log_n():
    """#8: dropping the oldest message one at a time, with a JSON dump each, took 7.7 s for 4,000 messages."""
    fitted = finishes_within(10, to_json, many_messages(8000), 16_384)
    assert len(fitted) <= 16_384
    kept = json.loads(fitted)
    assert kept[-1]["parts"][0]["content"].startswith("message 7999 ")


@pytest.mark.parametrize(
    "value",
    [
        [{"role": "user", "parts": [{"type": "text", "content": f"part {i}"} for i in range(5000)]}],
        [{"role": "tool", "parts": [{"type": "tool_call_response", "response": list(range(20000))}]}],
        [{"role": "assistant", "parts": [{"type": "text", "content": 'é\n"' * 20000}]}],
        {"type": "function", "parameters": {f"p{i}": {"type": "number"} for i in range(3000)}},
    ],
    ids=["many parts", "numeric array", "escaped string", "wide object"],
)
def test_content_never_exceeds_the_size_limit(value):
    """#14: single messages with many parts, or numeric arrays, came out at 49,018 characters for 16,384."""
    fitted = to_json(value, 16_384)
    assert len(fitted) <= 16_384
    kept = json.loads(fitted)
    assert type(kept) is type(value)
    if isinstance(value, list):
        assert kept[0]["role"] == value[0]["role"] and kept[0]["parts"]
