from __future__ import annotations

import pytest

from otel_llm.guardrails import Match
from otel_llm.guardrails.detectors import pii
from otel_llm.guardrails.detectors.pii import PIIDetector, iban_valid, luhn_valid, ssn_valid
from tests.bounded import finishes_within


def found(text: str, detector: PIIDetector | None = None) -> list[tuple[str, str]]:
    return [(m.entity_type, text[m.start : m.end]) for m in (detector or PIIDetector()).detect(text)]


def test_sample_rows_give_exactly_the_gold_structured_entities(pii_rows):
    expected = {
        0: [("CREDIT_CARD", "4007070753690781"), ("EMAIL_ADDRESS", "UtaKortig@jourrapide.com")],
        1: [("EMAIL_ADDRESS", "UshurmaDratchev@rhyta.com")],
        2: [("PHONE_NUMBER", "905-674-3793")],
        # "(37) 788-063" is valid in no region checked, but labelled: "(37) 788-063-Office"
        3: [("PHONE_NUMBER", "(37) 788-063"), ("PHONE_NUMBER", "07700 063 966")],
        4: [("CREDIT_CARD", "4454794511390933")],
        5: [("CREDIT_CARD", "4131034282458809939")],
        6: [("IBAN_CODE", "GB56HXDO88167774656119")],
        7: [("IBAN_CODE", "GB59IFUE40226315499137")],
        8: [("US_SSN", "460-89-9847")],
        9: [("US_SSN", "514-69-0360")],
        10: [("IP_ADDRESS", "106.31.73.20")],
        11: [("IP_ADDRESS", "86.121.97.248")],
        12: [],
        13: [],
    }
    assert {i: found(row["full_text"]) for i, row in enumerate(pii_rows)} == expected


def test_positions_are_character_offsets():
    text = "write to ann@example.org today"
    assert PIIDetector().detect(text) == [Match(9, 24, "EMAIL_ADDRESS", 1.0)]


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("call +44 20 7946 0958 now", "+44 20 7946 0958"),
        ("call (415) 555-2671 now", "(415) 555-2671"),
        ("call 415.555.2671 x123 now", "415.555.2671 x123"),
        ("call +41 (0)44 668 18 00 now", "+41 (0)44 668 18 00"),
    ],
)
def test_phone_numbers(text, entity):
    assert found(text) == [("PHONE_NUMBER", entity)]


@pytest.mark.parametrize(
    "text",
    ["born 2004-03-17 12:30", "order 1234567", "room 42, floor 7", "version 3.11.4", "total 1,234,567.89"],
)
def test_not_phone_numbers(text):
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("Phone: 467 3395  E-mail: x", "467 3395"),
        ("Can someone call me on 9472 7916? Thanks", "9472 7916"),
        ("Name: Sieda Batukayev Phone: (99) 645-791", "(99) 645-791"),
        ("Mobile: 432 03 163 Desk: none", "432 03 163"),
        ("mobile number is 60-56-85-91.", "60-56-85-91"),
        ("Telefon: 51 516 33 75", "51 516 33 75"),
        ("085 175 7641-Office,3660170548-Fax", "3660170548"),
    ],
)
def test_national_numbers_of_other_regions_where_a_phone_word_labels_them(text, entity):
    """Valid in none of ``phone_regions`` (no trunk 0, not North American): taken only when labelled."""
    assert ("PHONE_NUMBER", entity) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "They're not answering at 78 651 450",  # no phone word
        "order number 467 3395 has shipped",
        "call me about the 3 orders 4673395 and 4673396",  # a digit between the label and the number
        "Phone: +99 645 791 123",  # international: judged by its country code, and +99 has none
        "Phone: 2024-03-17 was the day",
        "call 123456",  # six digits
    ],
)
def test_unlabelled_or_unlikely_national_numbers_are_not_phones(text):
    assert [e for e in found(text) if e[0] == "PHONE_NUMBER"] == []


def test_checksums_reject_near_misses():
    assert found("card 4111 1111 1111 1111") == [("CREDIT_CARD", "4111 1111 1111 1111")]
    assert found("card 4111 1111 1111 1112") == []
    assert found("iban GB82 WEST 1234 5698 7654 32 please") == [("IBAN_CODE", "GB82 WEST 1234 5698 7654 32")]
    assert found("iban GB82 WEST 1234 5698 7654 33") == []
    assert found("ssn 666-12-3456 or 123-00-4567") == []
    assert found("ip 256.1.1.1") == []


def test_validators():
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
    assert iban_valid("DE89 3704 0044 0532 0130 00") and not iban_valid("DE89 3704 0044 0532 0130 01")
    assert ssn_valid("123", "45", "6789") and not ssn_valid("900", "45", "6789")


def test_email_local_parts_of_up_to_64_characters():
    local = "a." * 31 + "bc"  # 64 characters
    assert found(f"to {local}@example.com") == [("EMAIL_ADDRESS", f"{local}@example.com")]
    assert found(f"to x{local}@example.com") == []  # 65: no email, and no shorter tail of it either
    assert found(f"to é{local}@example.com") == []  # a word character before it


def test_email_boundaries():
    assert found("@home: a.b-c+d@mail.example.co.uk, -x@y.com, bad@nodomain, two@a.io") == [
        ("EMAIL_ADDRESS", "a.b-c+d@mail.example.co.uk"),
        ("EMAIL_ADDRESS", "two@a.io"),
    ]


def test_ip_at_the_end_of_a_sentence():
    assert found("The server is 10.0.0.1. Version 1.2.3.4.5 is not an address.") == [
        ("IP_ADDRESS", "10.0.0.1")
    ]


def test_ipv6():
    assert found("from 2001:db8::8a2e:370:7334 and ::1") == [
        ("IP_ADDRESS", "2001:db8::8a2e:370:7334"),
        ("IP_ADDRESS", "::1"),
    ]


def test_entity_selection_and_custom_patterns():
    detector = PIIDetector(
        entities=["EMAIL_ADDRESS"],
        patterns=[{"entity_type": "EMPLOYEE_ID", "regex": r"\bEMP-\d{6}\b", "score": 0.9}],
    )
    text = "EMP-123456 (ann@example.org, 460-89-9847)"
    assert detector.detect(text) == [Match(0, 10, "EMPLOYEE_ID", 0.9), Match(12, 27, "EMAIL_ADDRESS", 1.0)]


def test_unknown_entity_type_is_rejected():
    with pytest.raises(ValueError, match="unknown PII entity types"):
        PIIDetector(entities=["PASSPORT"])


RUN_TEXTS = [
    "4111 1111 1111 1111 at the start, (4111111111111111), +4111111111111111 and -4111111111111111",
    "call 415.555.2671 x123 now, or (555) 123 4567\t(555) 765 4321 ext. 12.",
    "+41 (0)44 668 18 00; ssn 460-89-9847, card 4111-1111-1111-1111 and 4111 1111 1111 1111.",
    "ip 10.0.0.1. Version 1.2.3.4.5, 192.168.000.001x, 300.1.1.1",
    "a1234567890123b 12345678901234 +1-202-555-0143ext. 7\n00 44 20 7946 0958",
    "٣٣٣-٤٤-٥٥٥٥ and ٤١١١١١١١١١١١١١١١ are digits too",
    # runs that fail a pattern's length or separator test between runs that pass it, some of those closer
    # than pii.WINDOW_GAP (searched as one window) and some farther apart
    "ssn 460-89-9847"
    + " and 12 34.5, 1-2" * 12
    + " 4111 1111 1111 1111"
    + " word" * 60
    + "10.0.0.1 or (555) 123 4567, 1.2.3, 460-89-9847.",
    # runs too short in digits for a card or an SSN (spaces do not count) beside runs that hold one
    "DE12 3456 7890 DE12 3456 7890 x 4111 1111 1111 1111 y 1 2 3 4 5 6 z 460 89 9847 w 1 2 3 4 5 6 7 8.",
]


@pytest.mark.parametrize("pattern", [pii._CARDS, pii._SSNS, pii._IPV4S, pii._PHONES])
@pytest.mark.parametrize("text", RUN_TEXTS)
def test_searching_numeric_runs_finds_what_scanning_the_whole_text_finds(pattern, text):
    runs = [bound for m in pii._NUMERIC_RUN.finditer(text) for bound in m.span()]
    whole_text, start = [], 0
    if pattern.at_start is not None and (first := pattern.at_start.match(text)) is not None:
        whole_text, start = [first.span()], first.end()
    whole_text += [m.span() for m in pattern.regex.finditer(text, start)]
    assert [m.span() for m in pattern.finditer(text, runs)] == whole_text


def test_ibans_are_found_from_the_runs_of_their_check_digits():
    text = "to DE89370400440532013000, GB82 WEST 1234 5698 7654 32 or XX12 (no) and GB82WEST12345698765432"
    assert found(text) == [
        ("IBAN_CODE", "DE89370400440532013000"),
        ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32"),
        ("IBAN_CODE", "GB82WEST12345698765432"),
    ]


def test_national_numbers_are_checked_against_each_trunk_prefix_region():
    assert found("ring 0490 75 40 81 or 07700 900 123") == [
        ("PHONE_NUMBER", "0490 75 40 81"),
        ("PHONE_NUMBER", "07700 900 123"),
    ]
    assert found("ring 0490 75 40 81", PIIDetector(phone_regions=["GB"])) == []
    assert pii.national_pattern(None).fullmatch("123")


def test_drop_overlaps_keeps_the_best_and_sorts_by_position():
    apart = [Match(5, 9, "B", 0.5), Match(0, 3, "A")]
    assert pii.drop_overlaps(apart) == [Match(0, 3, "A"), Match(5, 9, "B", 0.5)]
    crossing = [Match(0, 10, "A", 0.5), Match(2, 5, "B"), Match(12, 14, "C"), Match(11, 13, "D", 0.9)]
    assert pii.drop_overlaps(crossing) == [Match(2, 5, "B"), Match(12, 14, "C")]


@pytest.mark.parametrize(
    "text",
    [
        "SHA1 Fingerprint=AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01",
        "::::" * 20,
        "connect to 2001:db8:85a3:0:0:8a2e:370:7334:8080 now",
        "ab:" * 5000,
    ],
)
def test_long_runs_of_hex_digits_and_colons_end(text):
    """The IPv6 scan once found the same colon again after a run longer than an address: it never ended."""
    assert finishes_within(5, PIIDetector().detect, text) == []


def test_ipv6_scan_is_linear_and_still_finds_addresses_beside_long_runs():
    text = "AB:" * 100_000 + " from fe80::1 and " + "::" * 100_000
    assert finishes_within(5, found, text) == [("IP_ADDRESS", "fe80::1")]


def test_costly_checks_run_once_per_distinct_candidate(monkeypatch):
    calls = []

    def counted(candidate: str) -> bool:
        calls.append(candidate)
        return candidate != "12:30:00"

    monkeypatch.setattr(pii, "_is_ip_address", counted)
    found = PIIDetector(entities=["IP_ADDRESS"]).detect("fe80::1 at 12:30:00, " * 500)
    assert len(found) == 500 and {m.entity_type for m in found} == {"IP_ADDRESS"}
    assert sorted(calls) == ["12:30:00", "fe80::1"]


def test_past_the_check_budget_candidates_are_taken_on_their_shape(monkeypatch):
    text = "at 12:30:00 from fe80::1, call +44 20 7946 0000 or +41 1"
    detector = PIIDetector(entities=["IP_ADDRESS", "PHONE_NUMBER"])
    checked = [(m.entity_type, text[m.start : m.end]) for m in detector.detect(text)]
    assert checked == [("IP_ADDRESS", "fe80::1"), ("PHONE_NUMBER", "+44 20 7946 0000")]
    monkeypatch.setattr(pii, "MAX_VALIDATIONS", 0)
    shaped = [(m.entity_type, text[m.start : m.end]) for m in detector.detect(text)]
    assert shaped == [("IP_ADDRESS", "12:30:00"), *checked]  # more found, nothing lost


def test_past_max_matches_the_rest_of_a_patterns_candidates_is_one_range(monkeypatch):
    items = ["ann@example.com", "10.0.0.1", "(415) 555-2671", "4111 1111 1111 1111", "bo.b@example.org"]
    text = "; ".join(f"{item} and {index}" for index in range(6) for item in items)
    detector = PIIDetector()
    every = [(m.entity_type, m.start, m.end) for m in detector.detect(text)]
    assert len(every) == 30  # each item, one by one
    monkeypatch.setattr(pii, "MAX_MATCHES", 3)
    (*one_by_one, rest) = detector.detect(text)
    # the first candidates of each pattern one by one, as found without the bound
    assert [(m.entity_type, m.start, m.end) for m in one_by_one] == every[: len(one_by_one)]
    assert len(one_by_one) == 7  # 3 e-mails, 2 IPs, and the phone pattern's third candidate is in a card
    # then one range, from where the next entity starts to the last one's end: nothing after the bound
    # goes unreported (the phone range has absorbed the e-mails' and the cards' that start after it)
    assert (rest.entity_type, rest.start, rest.end) == ("PHONE_NUMBER", every[7][1], len(text))
    assert rest.score == 1.0
    assert text[rest.start :].startswith("(415) 555-2671 and 1;")


def test_absorbed_joins_overlapping_ranges_and_grows_them_over_the_matches_they_overlap():
    ranges = [Match(10, 20, "A", 1.0), Match(15, 30, "B", 1.0), Match(50, 60, "C", 1.0)]
    matches = [Match(0, 5, "X", 0.9), Match(28, 35, "Y", 0.9), Match(45, 52, "Z", 0.9)]
    matches.append(Match(61, 70, "W", 0.5))
    assert pii.absorbed(ranges, matches) == [
        Match(0, 5, "X", 0.9),
        Match(61, 70, "W", 0.5),
        Match(10, 35, "A", 1.0),
        Match(45, 60, "C", 1.0),
    ]
