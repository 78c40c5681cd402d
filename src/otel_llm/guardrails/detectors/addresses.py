"""Street addresses in free text, from the forms postal services publish: a house number before the street
name and its type (English: USPS Publication 28's suffixes), or after it (continental Europe: a street
type joined to the name or standing before it), with the unit, city, state and postcode that may follow.
A street without a type ("Svetlá 50") is taken only with its postcode and town, or after an address phrase.

Every repetition is bounded, so the work per character is too: the cost is linear in the text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import cache
from typing import NamedTuple

from otel_llm.guardrails.detectors import street_types
from otel_llm.guardrails.detectors.base import MAX_MATCHES, Detector, register, up_to_max_matches
from otel_llm.guardrails.results import Match

STREET_ADDRESS = "STREET_ADDRESS"

_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
_WORD = rf"[{_UPPER}][\w'’.-]{{0,30}}+"  # a capitalised name; possessive: it never gives characters back
_DIRECTION = r"(?:[NSEW]|NE|NW|SE|SW|North|South|East|West)\.?"
_ORDINAL = r"\d{1,3}(?:st|nd|rd|th)"


def _trie(words: set[str]) -> str:
    """An alternation of ``words`` as a prefix tree, so that a failed match costs a few character tests
    rather than one per word (the longest word first where one is a prefix of another)."""
    branches: dict[str, set[str]] = {}
    for word in words:
        branches.setdefault(word[:1], set()).add(word[1:])
    parts = []
    for head in sorted(branches, key=lambda h: h == ""):  # the empty ending last: longer words first
        rests = branches[head]
        if head == "":
            continue
        tail = _trie(rests)
        optional = "" in rests
        parts.append(
            re.escape(head) + (f"(?:{tail})?" if optional and tail else f"(?:{tail})" if tail else "")
        )
    return "|".join(parts)


def _words(*words: str) -> str:
    """Each word as written capitalised and in capitals."""
    return _trie({f for w in words for f in (w, w.upper())})


_SUFFIX = _words(*street_types.SUFFIXES)
_JOINED = _trie(set(street_types.JOINED))
_UNIT = (
    r"(?:,?\s{0,3}(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|Bldg|Building|#)\.?"
    r"\s{0,3}#?\s{0,2}[\w-]{1,6}(?![\w-]))"
)
_PARTICLE = r"(?:d[aeiou]s?|la|le|les|del|della|di|l'|d')"  # de la Paix, della Vittoria, dos Santos


def _after_initial(words: tuple[str, ...]) -> str:
    """The words without their first letter, each behind a look-behind for that letter."""
    by_initial: dict[str, list[str]] = {}
    for word in words:
        by_initial.setdefault(word[0], []).append(re.escape(word[1:]))
    return "|".join(
        f"(?<={initial})(?:{'|'.join(sorted(rests, key=len, reverse=True))})"
        for initial, rests in by_initial.items()
    )


_AFTER = _trie(set(street_types.AFTER))
_FRENCH = _trie(set(street_types.FRENCH))
_CITY = (  # after a comma: ", Springfield, IL 62704"
    rf"(?:,\s{{1,3}}{_WORD}(?:\s{_WORD}){{0,2}})?(?:,?\s{{1,3}}[A-Z]{{2}}(?!\w))?"
    r"(?:,?\s{1,3}\d{5}(?:-\d{4})?(?!\d))?"
)
# after a street type written first: the street's name, then its number (Via Roma 12, Piazza Guidone, 846)
_NAME_THEN_NUMBER = (
    rf"\s{{1,3}}(?:(?:{_WORD}|{_PARTICLE})\s{{1,3}}){{0,4}}?(?:{_WORD}|{_PARTICLE}),?\s{{1,3}}"
    r"(?:(?:No|Nr|N°|n)\.?\s{0,2}|#\s{0,2})?\d{1,5}[A-Za-z]?(?!\w)"
)
_LOWER_INITIALS = "".join(sorted({w[0] for w in street_types.LOWER_BEFORE}))
_LOWER_TYPE_FIRST = (  # rue Sébastien Paschoud 56, al. Klonowa 876
    rf"[{_LOWER_INITIALS}](?<![\w'’.-][{_LOWER_INITIALS}])"
    rf"(?:{_after_initial(street_types.LOWER_BEFORE)}){_NAME_THEN_NUMBER}"
)
# Number first in lower case ("i live at 1777 kramer court"): no stop word in the name ("5 miles down the
# road"), and taken only with a unit or a postcode after it, or an address phrase before it.
_LOWER_TYPES = _trie({w.lower() for w in street_types.SUFFIXES})
_STOP_WORDS = _trie(set(street_types.STOP_WORDS))
_LOWER_CASE_STREET = (  # after the house number
    r"\s{1,3}(?:(?:[nsew]|north|south|east|west)\.?\s{1,3})?"
    rf"(?:(?!(?:{_STOP_WORDS}|{_LOWER_TYPES})\b)[a-z][a-z'’-]{{1,30}}+\s{{1,3}}|{_ORDINAL}\s{{1,3}}){{1,3}}?"
    rf"(?:{_LOWER_TYPES})\b\.?"
)
_NOT_AFTER_NUMBER = r"[\w.,$€£-]"  # a house number does not continue a number, a price or a word
_NUMBER_FIRST = (
    # starts with a digit, so the scan skips to digits in C; the look-behind checks the character before it
    rf"\d(?<!{_NOT_AFTER_NUMBER}\d)\d{{0,5}}[A-Za-z]?(?:[-/]\d{{1,5}}[A-Za-z]?)?(?![\w%])"
    "(?:"
    + "|".join(
        (
            # 221B Baker Street, 3600 West 5th Ave, Suite 4, Springfield, IL 62704
            rf"\s{{1,3}}(?:{_DIRECTION}\s{{1,3}})?(?:(?:{_WORD}|{_ORDINAL})\s{{1,3}}){{1,4}}?"
            rf"(?:{_SUFFIX})\b\.?(?:\s{{1,3}}{_DIRECTION}(?!\w))?{_UNIT}?{_CITY}",
            # 6500 Highway 179, 2300 Route 309
            rf"\s{{1,3}}(?:{_words('Highway', 'Hwy', 'Route', 'Rte')}|State Route|County Road|SR|US)"
            rf"\s{{1,3}}\d{{1,4}}(?!\d){_UNIT}?{_CITY}",
            # 12 rue de la Paix
            rf",?\s{{1,3}}(?:{_FRENCH})\s{{1,3}}(?:{_PARTICLE}\s{{0,3}}){{0,2}}{_WORD}"
            rf"(?:\s{{1,3}}{_WORD}){{0,2}}",
            # 1777 kramer court: needs corroboration (``_lower_case_evidence``)
            rf"(?P<lower>{_LOWER_CASE_STREET})",
        )
    )
    + ")"
)
_NAME_FIRST = (
    # starts with a capital letter, so the scan skips to capitals in C; the look-behind keeps to word starts
    rf"[{_UPPER}](?<![\w'’.-][{_UPPER}])"
    "(?:"
    + "|".join(
        (
            # Hauptstraße 5, Storgatan 12B (three letters at least before the type: not "Spring 1932")
            rf"(?=[\w'.-]{{0,30}}+\s{{1,3}}\d)[\w'.-]{{2,30}}?(?i:{_JOINED})\s{{1,3}}\d{{1,5}}[A-Za-z]?(?!\w)",
            # Via Roma 12, Calle Mayor 3, Rue de la Paix 5 (the capital is the street type's)
            rf"(?:{_after_initial(street_types.BEFORE)}){_NAME_THEN_NUMBER}",
            # Hegedűs Gyula utca 76 (the capital is the first name word's)
            rf"[\w'’.-]{{0,30}}+\s{{1,3}}(?:{_WORD}\s{{1,3}}){{0,2}}(?:{_AFTER})\s{{1,3}}\d{{1,5}}[A-Za-z]?(?!\w)",
            # P.O. Box 1234
            r"(?<=P)\.?\s?O\.?\s{1,3}Box\s{1,3}\d{1,6}(?!\d)",
        )
    )
    + ")"
)
# a unit, or a postcode (after the city and state: ", springfield, il 62704")
_LOWER_EVIDENCE_AFTER = (
    r",?\s{0,3}(?:apt|apartment|suite|ste|unit|flat|#)\.?\s{0,3}#?[\w-]{1,6}(?![\w-])"
    r"|(?:,?\s{1,3}[^\W\d][\w' .-]{1,30}?,?\s{1,3}[a-z]{2})?,?\s{1,3}\d{4,6}(?!\d)"
)
_GOING_TO = (  # "lives at", "ship it to", "meet us at"
    r"(?:live|lives|living|located|reside|resides|based|staying)\s+(?:at|on)"
    r"|(?:ship|shipped|deliver|delivered|send|sent|mail|mailed|post|moved|move)(?:\s+(?:it|them|this))?\s+to"
    r"|come\s+to|meet\s+(?:me|us)\s+at|pick\s+(?:me|us)\s+up\s+at"
)
_LOWER_EVIDENCE_BEFORE = rf"\b(?:address(?:\s+is)?|addr|{_GOING_TO})\W{{0,3}}$"
_EVIDENCE_WINDOW = 30
# A street name with no street type, then its number ("Svetlá 50", "Nad Obcí 67", "Lundflata 5B"): common
# in central and northern Europe, but so is "Windows 10". So it is taken only with a postcode and town after
# it or an address phrase before it. The scan is for its house number (a number after a word); the first
# ``_TYPELESS_CANDIDATES`` of a text are judged, which bounds the work whatever the text holds.
_NUMBERED = _trie(set(street_types.NUMBERED_NOUNS))  # "February 24", "Phase 2", "Windows 10"
_TYPELESS_NAME = (
    rf"(?!(?:{_NUMBERED})\b){_WORD}"
    rf"(?:\s{{1,3}}(?:{_WORD}|(?!(?:{_STOP_WORDS})\b)[a-zà-ž]{{1,12}}+)){{0,3}}?\s{{1,3}}"
)
_TYPELESS_NUMBER = (  # after a word and a space ("Svetlá 50", "No. 5")
    r"\d(?:(?<=[^\W\d_] \d)|(?<=[^\W\d_]\. \d))\d{0,4}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?)?(?![\w/%]|[.,]\d)"
)
_YEAR = r"(?:19|20)\d\d"  # a year is no house number ("moved to Berlin 2019")
# its postcode and town, on its line or the next: "Svetlá 50, 811 02 Bratislava", "Lundflata 5, 0150 Oslo"
_POSTCODE_TOWN = (
    rf",?[ \t]{{0,2}}\n?[ \t]{{0,2}}(?:\d{{3}} \d{{2}}|\d{{2}}-\d{{3}}|\d{{4,5}})[ \t]{{1,2}}{_WORD}"
)
_NAME_BEFORE = rf"(?<![\w'’.-]){_TYPELESS_NAME}\Z"  # searched up to the house number
# "address" only as a label ("address is", "Address:"), not the verb ("address Severity 5 first")
_PHRASE_AND_NAME_BEFORE = (
    rf"(?i:\b(?:address(?:\s+is|\s*:)|addr\s*:|{_GOING_TO})\W{{0,3}})(?P<street>{_TYPELESS_NAME})\Z"
)
_NAME_WINDOW = 96
_TYPELESS_CANDIDATES = 1_000
# US military mail (USPS Publication 28, section 24): "PSC 1241, Box 5868, APO AP 25384", "Unit 2050 Box
# 4190", "USNS Brown, FPO AE 09101", any case. The scan starts only at P, C and U, not at every A, F and D:
# an APO/FPO/DPO line on its own is found from its ZIP code (``_MILITARY_ZIP``).
_MILITARY = (
    r"[PCUpcu](?<![\w][PCUpcu])"
    r"(?i:(?:(?:(?<=p)sc|(?<=c)mr|(?<=u)nit)\s{1,3}\d{1,5},?\s{1,3}box\s{1,3}\d{1,5}"
    r"(?:,?\s{1,3}[afd]po\s{1,3}a[aep]\s{1,3}\d{5})?"
    r"|(?<=u)(?:sns|ss)\s{1,3}[a-z]{2,30}(?:\s[a-z]{2,30})?,?\s{1,3}fpo\s{1,3}a[aep]\s{1,3}\d{5})(?!\w))"
)
# the ZIP code of "APO AE 09001" (written with single spaces), found from its first digit, looking back
_MILITARY_ZIP = r"\d(?<=[AFDafd][Pp][Oo] [Aa][AEPaep] \d)\d{4}(?!\d)"
_MILITARY_ZIP_LABEL = len("APO AE ")
_DIGIT = re.compile(r"\d")


class _Compiled(NamedTuple):
    scans: tuple[re.Pattern[str], ...]  # each match is an address (a lower-case street once corroborated)
    military_zip: re.Pattern[str]
    evidence_after: re.Pattern[str]
    evidence_before: re.Pattern[str]
    typeless_number: re.Pattern[str]
    year: re.Pattern[str]
    postcode_town: re.Pattern[str]
    name_before: re.Pattern[str]
    phrase_and_name_before: re.Pattern[str]


@cache
def _compiled() -> _Compiled:
    """Compiled on first use: compiling takes tens of milliseconds, which an import should not cost."""
    return _Compiled(
        tuple(re.compile(p) for p in (_NUMBER_FIRST, _NAME_FIRST, _LOWER_TYPE_FIRST, _MILITARY)),
        re.compile(_MILITARY_ZIP),
        re.compile(_LOWER_EVIDENCE_AFTER, re.IGNORECASE),
        re.compile(_LOWER_EVIDENCE_BEFORE, re.IGNORECASE),
        re.compile(_TYPELESS_NUMBER),
        re.compile(_YEAR),
        re.compile(_POSTCODE_TOWN),
        re.compile(_NAME_BEFORE),
        re.compile(_PHRASE_AND_NAME_BEFORE),
    )


def _corroborated(text: str, m: re.Match[str], end: int, compiled: _Compiled) -> bool:
    """Whether a match needs no more evidence or has it: a lower-case street (``_NUMBER_FIRST``'s group
    ``lower``) has a unit or postcode after it, or an address phrase before it."""
    if m.lastgroup != "lower":
        return True
    start = m.start()
    return (
        compiled.evidence_after.match(text, end) is not None
        or compiled.evidence_before.search(text, max(0, start - _EVIDENCE_WINDOW), start) is not None
    )


def _typeless_streets(text: str, compiled: _Compiled) -> Iterator[tuple[int, int]]:
    """Streets without a type: a name before a house number with a postcode and town after it, or with an
    address phrase before the name."""
    numbers = compiled.typeless_number.finditer(text)
    for m in itertools.islice(numbers, _TYPELESS_CANDIDATES):
        start, end = m.span()
        if compiled.year.fullmatch(text, start, end):
            continue
        window = max(0, start - _NAME_WINDOW)
        if (postcode := compiled.postcode_town.match(text, end)) is not None:
            if (name := compiled.name_before.search(text, window, start)) is not None:
                yield name.start(), postcode.end()
        elif (phrase := compiled.phrase_and_name_before.search(text, window, start)) is not None:
            yield phrase.start("street"), end


@register
class StreetAddressDetector(Detector):
    """Postal street addresses (house number and street, with unit, city and postcode when given)."""

    name = "street_address"
    category = "pii"

    def detect(self, text: str) -> list[Match]:
        if not _DIGIT.search(text):
            return []
        compiled = _compiled()
        spans = [
            (m.start(), end)
            for pattern in compiled.scans
            for count, (m, end) in enumerate(
                up_to_max_matches(pattern.finditer(text), pattern, text, self.max_span, MAX_MATCHES)
            )
            # the rest, past MAX_MATCHES, is one range reported unjudged
            if count == MAX_MATCHES or _corroborated(text, m, end, compiled)
        ]
        spans.extend(_typeless_streets(text, compiled))
        zips = compiled.military_zip
        spans.extend(
            (m.start() - _MILITARY_ZIP_LABEL, end)
            for m, end in up_to_max_matches(zips.finditer(text), zips, text, self.max_span, MAX_MATCHES)
        )
        spans.sort()
        merged: list[list[int]] = []
        for start, end in spans:  # overlapping forms ("12 Main Street, Hauptstraße" and "Hauptstraße 5")
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [Match(start, end, STREET_ADDRESS, 0.85) for start, end in merged]

    @property
    def max_span(self) -> int:
        return 200
