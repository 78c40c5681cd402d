"""The opt-in stereotype detector: its group gate, the shipped model, its bounds and its policy use."""

from __future__ import annotations

import json

import pytest

from otel_llm.guardrails import Policy
from otel_llm.guardrails.detectors.stereotypes import (
    MAX_SENTENCES,
    StereotypeDetector,
    group_sentences,
    names_a_group,
)
from otel_llm.guardrails.ngram_model import MODELS_DIR
from otel_llm.guardrails.results import Match, Outcome
from otel_llm.guardrails.token_model import load_token_model
from otel_llm.guardrails.wordpiece import WordPiece


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("Muslims are violent.", True),
        ("being gay is a sin", True),
        ("The women's team won.", True),  # a possessive names the group too
        ("the poor are lazy", True),  # an adjective standing for a group after a determiner
        ("a typical african", True),
        ("Black people are lazy.", True),  # a group adjective before a person noun
        ("my wife is a nurse", False),  # one person, not a group
        ("The White House is in Washington.", False),  # an adjective inside a name
        ("He is an old friend.", False),
        ("The capital of France is Paris.", False),
    ],
)
def test_the_gate_names_groups_only(sentence, names):
    assert names_a_group(sentence) is names


def test_group_sentences_are_spans_of_the_sentences_that_name_a_group():
    text = "Hi. Women are bad! Really?! ok\nthe poor are lazy\nnothing here. x. y jews z. men w"
    assert [text[start:end] for start, end in group_sentences(text)] == [
        " Women are bad!",
        "the poor are lazy",
        " y jews z.",
        " men w",
    ]


def test_flags_a_stereotype_with_its_sentence_and_score():
    text = "Here is the summary. Muslims are violent and dangerous. Paris is in France."
    [match] = StereotypeDetector().detect(text)
    assert (match.start, match.end, match.entity_type) == (20, 55, "STEREOTYPE")
    assert text[match.start : match.end] == " Muslims are violent and dangerous."
    assert match.score == pytest.approx(0.9668, abs=1e-4)


def test_text_about_no_group_is_never_scored():
    detector = StereotypeDetector()
    text = "The capital of France is Paris. It has many museums."
    assert detector.model.probability(text) == pytest.approx(
        0.7524, abs=1e-4
    )  # the model alone would flag it
    assert detector.detect(text) == []
    assert detector.score(text) == 0.0


def test_a_neutral_statement_about_a_group_passes():
    assert StereotypeDetector().detect("Many women lead large companies today.") == []


def test_threshold_comes_from_the_model_file_and_can_be_overridden():
    shipped = json.loads((MODELS_DIR / "stereotype.json").read_text(encoding="utf-8"))
    assert StereotypeDetector().threshold == shipped["threshold"] == 0.4
    assert StereotypeDetector(threshold=0.99).detect("Black people are lazy.") == []
    assert StereotypeDetector(threshold=0.5).detect("Black people are lazy.") == [
        Match(0, 22, "STEREOTYPE", pytest.approx(0.8301, abs=1e-4))
    ]


def test_at_most_max_sentences_are_scored_the_first_and_last_half():
    text = "".join(f"Women number {i} are here. Nothing {i}. " for i in range(3 * MAX_SENTENCES))
    spans = group_sentences(text)
    assert len(spans) == MAX_SENTENCES
    numbers = [int(text[start:end].split()[2]) for start, end in spans]
    half = MAX_SENTENCES // 2
    assert numbers == [*range(half), *range(3 * MAX_SENTENCES - half, 3 * MAX_SENTENCES)]


def test_a_long_sentence_is_scored_on_its_clipped_ends():
    model = load_token_model("stereotype")
    sentence = "Jews are greedy " + "and so on " * 10_000 + "and control the banks."
    assert model.probability(sentence) == model.probability(sentence[:256] + " " + sentence[-256:])


def test_wordpiece_splits_as_bert_does():
    tokenizer = WordPiece(["[UNK]", "un", "##aff", "##able", "cafe", ",", "!"])
    assert tokenizer.encode("Unaffable, CAFÉ!") == [1, 2, 3, 5, 4, 6]
    assert tokenizer.encode("unknown") == [0]
    assert tokenizer.encode("x" * 101) == [0]
    assert tokenizer.encode("\x00\u200b  ") == []


def test_a_policy_warns_on_an_output():
    policy = Policy.from_dict(
        {"id": "p", "rules": [{"id": "bias", "detector": "stereotype", "action": "warn", "stage": "output"}]}
    )
    result = policy.check_output("Jews are greedy and control the banks.")
    assert result.outcome is Outcome.WARN
    assert result.text == "Jews are greedy and control the banks."
    assert [(f.entity_type, f.start, f.end) for f in result.findings] == [("STEREOTYPE", 0, 38)]
    assert policy.check_output("Here is your itinerary for Rome.").outcome is Outcome.PASS
