from __future__ import annotations

import sys
import unicodedata

import pytest

from otel_llm.guardrails import Match
from otel_llm.guardrails.detectors import base, create, registered
from otel_llm.guardrails.detectors import text as text_detectors
from otel_llm.guardrails.detectors.output import JsonSchemaDetector, RefusalDetector
from otel_llm.guardrails.detectors.text import (
    _INVISIBLE_RUN,
    BannedSubstringsDetector,
    BannedTopicsDetector,
    CompetitorsDetector,
    InvisibleUnicodeDetector,
    MaxLengthDetector,
    TermMatcher,
    estimate_tokens,
)


def test_registry_names():
    assert sorted(registered()) == [
        "banned_substrings",
        "banned_topics",
        "competitors",
        "invisible_unicode",
        "json_schema",
        "max_length",
        "person_name",
        "pii",
        "profanity",
        "prompt_injection",
        "refusal",
        "secrets",
        "stereotype",
        "street_address",
        "toxicity",
    ]
    with pytest.raises(ValueError, match="unknown guardrail detector 'nope'"):
        create("nope")


def test_banned_substrings_whole_words_case_insensitive():
    detector = BannedSubstringsDetector(["project falcon", "falcon"])
    text = "Is Project Falcon late? falconry is fine. FALCON!"
    assert detector.detect(text) == [Match(3, 17, "BANNED_SUBSTRING"), Match(42, 48, "BANNED_SUBSTRING")]
    assert BannedSubstringsDetector(["falcon"], whole_words=False).detect("falconry") == [
        Match(0, 6, "BANNED_SUBSTRING")
    ]
    assert BannedSubstringsDetector(["Falcon"], case_sensitive=True).detect("falcon") == []
    with pytest.raises(ValueError, match="non-empty term"):
        BannedSubstringsDetector([""])


def test_terms_inside_words_and_case_changing_lengths():
    detector = BannedSubstringsDetector(["tax return", "return"])
    # "xtax return": "tax return" starts inside a word, but "return" is a word of its own
    assert detector.detect("xtax return") == [Match(5, 11, "BANNED_SUBSTRING")]
    # "İ".lower() is two characters long: offsets still refer to the original text
    assert detector.detect("İİ Tax Return") == [Match(3, 13, "BANNED_SUBSTRING")]


def test_competitors_and_topics():
    assert CompetitorsDetector(["Acme Corp"]).detect("better than acme corp?") == [
        Match(12, 21, "COMPETITOR")
    ]
    topics = BannedTopicsDetector({"medical_advice": ["dosage", "diagnose"], "politics": ["election"]})
    assert topics.detect("What dosage before the election?") == [
        Match(5, 11, "medical_advice"),
        Match(23, 31, "politics"),
    ]


def test_topics_prefer_the_longest_keyword_across_topics():
    topics = BannedTopicsDetector({"tax": ["tax"], "filing": ["tax return"]})
    assert topics.detect("My tax return and my tax.") == [Match(3, 13, "filing"), Match(21, 24, "tax")]
    with pytest.raises(ValueError, match="non-empty keyword"):
        BannedTopicsDetector({"empty": [""]})


def test_printable_non_ascii_text_has_no_invisible_characters():
    assert InvisibleUnicodeDetector().detect("Krisztián Szöllösy\u00a0– ג€“ 東京\n") == []


def test_invisible_unicode_runs_are_found_and_removed_on_redaction():
    detector = InvisibleUnicodeDetector()
    text = "pay\u200b\u200dme\u202e now\U000e0041\tok\n"
    assert detector.detect(text) == [
        Match(3, 5, "INVISIBLE_UNICODE"),
        Match(7, 8, "INVISIBLE_UNICODE"),
        Match(12, 13, "INVISIBLE_UNICODE"),
    ]
    assert detector.placeholder("INVISIBLE_UNICODE") == ""
    assert detector.detect("plain text\twith tab\n") == []


def test_invisible_set_covers_this_pythons_format_control_and_private_use_characters():
    missing = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Cf", "Cc", "Co")
        and chr(code) not in "\t\n\r"
        and not _INVISIBLE_RUN.fullmatch(chr(code))
    ]
    assert missing == []


def test_max_length():
    assert MaxLengthDetector(max_chars=5).detect("123456") == [Match(0, 6, "MAX_CHARS_EXCEEDED")]
    assert MaxLengthDetector(max_chars=6).detect("123456") == []
    assert estimate_tokens("Hello, world! It's 3pm.") == 9
    assert MaxLengthDetector(max_tokens=8).detect("Hello, world! It's 3pm.") == [
        Match(0, 23, "MAX_TOKENS_EXCEEDED")
    ]
    assert MaxLengthDetector(max_tokens=3, count_tokens=lambda t: len(t.split())).detect("a b c") == []
    # spaces do not count towards the estimate, so a long text of few words is within the limit
    assert MaxLengthDetector(max_tokens=5).detect("a    b    c    d") == []
    assert MaxLengthDetector(max_tokens=5, count_tokens=len).detect("a    b    c    d") == [
        Match(0, 16, "MAX_TOKENS_EXCEEDED")
    ]
    with pytest.raises(ValueError, match="max_chars or max_tokens"):
        MaxLengthDetector()


SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}


def test_json_schema(tmp_path):
    detector = JsonSchemaDetector(schema=SCHEMA)
    assert detector.detect('{"answer": "42"}') == []
    assert detector.detect('```json\n{"answer": "42"}\n```') == []
    assert detector.detect('{"answer": 42}') == [Match(0, 14, "SCHEMA_VIOLATION")]
    assert detector.detect("the answer is 42") == [Match(0, 16, "INVALID_JSON")]
    schema_file = tmp_path / "schema.json"
    schema_file.write_text('{"type": "array"}')
    assert JsonSchemaDetector(schema_file=str(schema_file)).detect("{}") == [Match(0, 2, "SCHEMA_VIOLATION")]
    with pytest.raises(ValueError, match="exactly one"):
        JsonSchemaDetector()


@pytest.mark.parametrize(
    "text",
    [
        "I'm sorry, but I can't help with that.",
        "I’m sorry, I cannot provide instructions for making weapons.",
        "As an AI language model, I cannot browse the internet.",
        "I must respectfully decline this request.",
        "I'm unable to assist with that request.",
    ],
)
def test_refusals(text):
    assert RefusalDetector().detect(text) == [Match(0, len(text), "REFUSAL")]


@pytest.mark.parametrize(
    "text",
    [
        "Sure! Here is the recipe you asked for.",
        "You can't divide by zero, so the function raises ZeroDivisionError.",
        "Sorry for the delay: the answer is 42.",
    ],
)
def test_non_refusals(text):
    assert RefusalDetector().detect(text) == []


@pytest.mark.parametrize(
    ("text", "refuses"),
    [
        ("I AM SORRY, BUT I CANNOT DO THAT.", True),
        ("Désolé. I'm sorry, but I can't help with that.", True),
        ("Désolé, je ne peux pas: I can help with that.", False),
        ("AS AN AI LANGUAGE MODEL, I DON'T browse.", True),
    ],
)
def test_refusals_ignore_case_in_ascii_and_other_text(text, refuses):
    assert bool(RefusalDetector().detect(text)) is refuses


@pytest.mark.parametrize("whole_words", [True, False])
@pytest.mark.parametrize("case_sensitive", [True, False])
def test_term_search_by_find_matches_the_regex_search(monkeypatch, whole_words, case_sensitive):
    terms = ["new york", "york", "New", "acme", "a-b", "aa"]
    text = "New York, new yorker; ACME acmes xacme a-b-c aaaa é new york"
    by_find = list(TermMatcher(terms, case_sensitive, whole_words).find(text))
    monkeypatch.setattr(TermMatcher, "FIND_LIMIT", 0)
    assert by_find == list(TermMatcher(terms, case_sensitive, whole_words).find(text))
    assert by_find  # every combination finds something here


def test_matches_past_the_limit_are_one_range_that_covers_them(monkeypatch):
    text = "a :: b :: c :: d :: e :: f ::: g"
    every = BannedSubstringsDetector(["::"]).detect(text)
    assert len(every) == 6  # ":" is no word character: ":::" holds one "::"
    monkeypatch.setattr(text_detectors, "MAX_MATCHES", 3)
    found = BannedSubstringsDetector(["::"]).detect(text)
    assert found[:3] == every[:3]
    assert len(found) == 4 and found[3].start == every[3].start and found[3].end >= every[5].end
    assert found[3].end <= every[5].end + 1  # the range may run at most one character (longest term - 1) on


@pytest.mark.parametrize("window", [1, 3, 7, 65_536])
def test_last_match_end_is_never_before_the_last_match(monkeypatch, window):
    import re

    monkeypatch.setattr(base, "TAIL_WINDOW", window)
    pattern = re.compile(r"ab|bcd|:(?<!\w:):")
    for text in ["xx ab ab bcd yy", "abcd", "ab::::b", "::: ab", "none here", "a" * 40 + "ab"]:
        matches = list(pattern.finditer(text))
        end = base.last_match_end(pattern, text, 0, 3)
        if not matches:
            assert end == 0
            continue
        last = matches[-1].end()
        assert last <= end <= last + 2, (text, end)
