from __future__ import annotations

import pytest

from otel_llm.guardrails import Policy, Rule
from otel_llm.guardrails.detectors.addresses import StreetAddressDetector
from otel_llm.guardrails.results import Outcome


def found(text: str) -> list[str]:
    return [text[m.start : m.end] for m in StreetAddressDetector().detect(text)]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("I live at 221B Baker Street near the park.", "221B Baker Street"),
        ("12 Main Street Is Closed", "12 Main Street"),
        (
            "Send it to 3600 West 5th Ave, Suite 4, Springfield, IL 62704 please",
            "3600 West 5th Ave, Suite 4, Springfield, IL 62704",
        ),
        ("Ship to 0487 Hull Village Suite 759 today", "0487 Hull Village Suite 759"),
        ("our office: 6500 Highway 179, Sedona, AZ 86351.", "6500 Highway 179, Sedona, AZ 86351"),
        ("Wohnt in der Hauptstraße 5, 10115 Berlin", "Hauptstraße 5, 10115 Berlin"),
        ("Storgatan 12B är adressen", "Storgatan 12B"),
        ("ci vediamo in Via Roma 12 alle otto", "Via Roma 12"),
        ("Piazza Guidone, 846 è chiusa", "Piazza Guidone, 846"),
        ("Calle Mayor 3, Madrid", "Calle Mayor 3"),
        ("livré au 12 rue de la Paix, Paris", "12 rue de la Paix"),
        ("chez rue Sébastien Paschoud 56 à Lausanne", "rue Sébastien Paschoud 56"),
        ("lakcím: Hegedűs Gyula utca 76", "Hegedűs Gyula utca 76"),
        ("mail to P.O. Box 1234 instead", "P.O. Box 1234"),
        # Australian street types
        ("Deliver to 17 Kennedy Laneway, East Tony", "17 Kennedy Laneway, East Tony"),
        ("office at 65/70 Bassi Chowk", "65/70 Bassi Chowk"),  # India Post's locality types
        ("Cuesta Cristóbal Porta 88 es la dirección", "Cuesta Cristóbal Porta 88"),
        ("Incrocio Pierluigi, 295 Appartamento 62", "Incrocio Pierluigi, 295"),
        # US military mail, any case
        ("write to PSC 1241, Box 5868, APO AP 25384 soon", "PSC 1241, Box 5868, APO AP 25384"),
        ("USNS Brown\nFPO AE 09101", "USNS Brown\nFPO AE 09101"),
        ("send to unit 1009 box 0219 dpo ap 51065 please", "unit 1009 box 0219 dpo ap 51065"),
        # lower case: taken with a unit, a postcode, or an address phrase before it
        ("i live at 1777 kramer court near the school", "1777 kramer court"),
        ("ship them to 743 rachel burgs, north debratown, fm 50466", "743 rachel burgs"),
        ("it is 083 crosby plaza apt. 533 i think", "083 crosby plaza"),
        # no street type: taken with an address phrase before it, or a postcode and town after it
        ("Please send it to Nad Obcí 67 tomorrow.", "Nad Obcí 67"),
        ("my address is Lundflata 5B, thanks", "Lundflata 5B"),
        ("Adresa: Svetlá 50, 811 02 Bratislava", "Svetlá 50, 811 02 Bratislava"),
        ("Zelenjak 4\n10000 Zagreb", "Zelenjak 4\n10000 Zagreb"),
        ("Visit Hauptstraße 5 today", "Hauptstraße 5"),  # the candidate "Visit Hauptstraße 5" hides nothing
    ],
)
def test_finds_street_addresses_in_postal_formats(text, address):
    assert found(text) == [address]


@pytest.mark.parametrize(
    "text",
    [
        "I have 2 Dr appointments this week.",
        "In 2019 Apple released a new phone.",
        "Call 555 1234 after 5 pm.",
        "version 2 Street Fighter came out in 1991",
        "The total is $12 Main course included",
        "Via email, send 3 copies.",
        "A road with no number: Baker Street.",
        "we walked 5 miles down the road",  # a stop word in the name
        "I saw 3 big trees by the lake",  # lower case without a unit, postcode or address phrase
        "Billboard 2008 Year End Award",  # title words left out of the Australian types
        "Maximum Tab Depth: 5 Levels Follow the tab family tree",
        "We talked about Svetlá 50 yesterday.",  # no street type, no address phrase, no postcode
        "Please upgrade to Windows 10 first.",  # numbered nouns are no street
        "When it is done, move to Phase 2.",
        "seconds since January 1, 1970 UTC",
        "I moved to Berlin 2019 and stayed",  # a year is no house number
        "send it to Bob in 5 minutes",  # a stop word in the name
        "",
    ],
)
def test_leaves_text_without_an_address_alone(text):
    assert found(text) == []


def test_an_address_found_by_two_forms_is_one_match():
    text = "at 12 Main Street, Hauptstraße 5 now"  # "12 Main Street, Hauptstraße" and "Hauptstraße 5"
    assert [(m.start, m.end) for m in StreetAddressDetector().detect(text)] == [(3, 32)]


def test_a_street_without_a_type_is_looked_for_among_the_first_thousand_house_numbers():
    address = "Svetlá 50, 811 02 Bratislava"
    numbers = "item 5, " * 999  # numbers after a word, each a candidate house number
    assert found(f"{numbers}{address}") == [address]
    assert found(f"item 5, {numbers}{address}") == []  # the work per text stays bounded


def test_a_policy_redacts_addresses():
    policy = Policy("addresses", [Rule("address", StreetAddressDetector(), "redact", "input")])
    result = policy.check_input("Deliver to 10 Downing Street, London SW1A please")
    assert result.outcome is Outcome.REDACT
    assert result.text == "Deliver to <STREET_ADDRESS> please"
    assert [(f.entity_type, f.start, f.end) for f in result.findings] == [("STREET_ADDRESS", 11, 41)]


def test_registered_for_policy_files():
    policy = Policy.from_dict(
        {"id": "p", "rules": [{"id": "a", "detector": "street_address", "action": "redact"}]}
    )
    assert policy.check_input("at 1 Main St").text == "at <STREET_ADDRESS>"
