from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from otel_llm.guardrails import Policy
from otel_llm.guardrails.detectors.names import MAX_CHARS, MAX_TOKENS, PersonNameDetector, shape, tokenize
from otel_llm.guardrails.results import Outcome

pytest.importorskip("pycrfsuite")


@pytest.fixture(scope="module")
def detector() -> PersonNameDetector:
    return PersonNameDetector()


def names(detector: PersonNameDetector, text: str) -> list[str]:
    return [text[m.start : m.end] for m in detector.detect(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please call John Smith tomorrow.", ["John Smith"]),
        ("I met Barack Obama in Paris last year.", ["Barack Obama"]),
        ("Mary Johnson and Robert Brown signed the lease.", ["Mary Johnson", "Robert Brown"]),
    ],
)
def test_finds_peoples_names(detector, text, expected):
    assert names(detector, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The weather is nice today.",
        "Write a haiku about autumn.",
        "How do I reverse a list in Python?",
        "",
        "1234 5678",
    ],
)
def test_text_without_names_has_none(detector, text):
    assert detector.detect(text) == []


def test_scores_are_probabilities_at_or_above_the_threshold(detector):
    matches = detector.detect("Please call John Smith tomorrow.")
    assert matches and all(detector.threshold <= m.score <= 1 for m in matches)
    assert all(m.entity_type == "PERSON" for m in matches)


def test_a_long_text_is_tagged_at_both_ends_with_true_offsets(detector):
    filler = "The quarterly report is attached. " * (MAX_CHARS // 20)
    text = f"Please call John Smith today. {filler}Regards, Mary Johnson"
    assert len(text) > MAX_CHARS
    assert names(detector, text) == ["John Smith", "Mary Johnson"]


def test_a_text_of_many_tokens_is_tagged_at_both_ends(detector):
    text = "Please call John Smith today. " + "( " * MAX_TOKENS + "Regards, Mary Johnson"
    assert len(text) <= MAX_CHARS and len(tokenize(text)[1]) > MAX_TOKENS
    assert names(detector, text) == ["John Smith", "Mary Johnson"]


def test_threads_get_the_same_names_as_one_thread(detector):
    texts = [f"Please call John Smith about case {i}." for i in range(40)] + ["Nothing here."] * 40
    expected = [detector.detect(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(detector.detect, texts)) == expected


@pytest.mark.parametrize("threshold", [0, -0.1, 1.5])
def test_rejects_thresholds_outside_zero_to_one(threshold):
    with pytest.raises(ValueError, match="threshold"):
        PersonNameDetector(threshold=threshold)


def test_a_policy_file_redacts_names():
    policy = Policy.from_dict(
        {"id": "p", "rules": [{"id": "names", "detector": "person_name", "action": "redact"}]}
    )
    result = policy.check_input("Please call John Smith tomorrow.")
    assert (result.text, result.outcome) == ("Please call <PERSON> tomorrow.", Outcome.REDACT)


def test_tokens_and_sentence_starts():
    spans, words, first = tokenize("Hi. O'Neil met Anne-Marie\nBob")
    assert words == ["Hi", ".", "O'Neil", "met", "Anne-Marie", "Bob"]
    assert first == [True, False, True, False, False, True]
    assert spans[2] == (4, 10)


@pytest.mark.parametrize(
    ("word", "expected"), [("McDonald", "XxXx"), ("O'Neil", "X'Xx"), ("2024", "d"), ("Ørsted", "Xx")]
)
def test_shape(word, expected):
    assert shape(word) == expected
