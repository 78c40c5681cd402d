"""Street addresses in free text, from the forms postal services publish: a house number before the street
name and its type (English: USPS Publication 28's suffixes), or after it (continental Europe: a street
type joined to the name or standing before it), with the unit, city, state and postcode that may follow.

Every repetition is bounded, so the work per character is too: the cost is linear in the text.
"""

from __future__ import annotations

import re
from functools import cache

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


# USPS Publication 28, appendix C1: the primary street suffix names (the data Faker's en_US provider
# also uses), then common abbreviations and British street types
_SUFFIX = _words(
    "Alley",
    "Avenue",
    "Branch",
    "Bridge",
    "Brook",
    "Brooks",
    "Burg",
    "Burgs",
    "Bypass",
    "Camp",
    "Canyon",
    "Cape",
    "Causeway",
    "Center",
    "Centers",
    "Circle",
    "Circles",
    "Cliff",
    "Cliffs",
    "Club",
    "Common",
    "Corner",
    "Corners",
    "Course",
    "Court",
    "Courts",
    "Cove",
    "Coves",
    "Creek",
    "Crescent",
    "Crest",
    "Crossing",
    "Crossroad",
    "Curve",
    "Dale",
    "Dam",
    "Divide",
    "Drive",
    "Drives",
    "Estate",
    "Estates",
    "Expressway",
    "Extension",
    "Extensions",
    "Fall",
    "Falls",
    "Ferry",
    "Field",
    "Fields",
    "Flat",
    "Flats",
    "Ford",
    "Fords",
    "Forest",
    "Forge",
    "Forges",
    "Fork",
    "Forks",
    "Fort",
    "Freeway",
    "Garden",
    "Gardens",
    "Gateway",
    "Glen",
    "Glens",
    "Green",
    "Greens",
    "Grove",
    "Groves",
    "Harbor",
    "Harbors",
    "Haven",
    "Heights",
    "Highway",
    "Hill",
    "Hills",
    "Hollow",
    "Inlet",
    "Island",
    "Islands",
    "Isle",
    "Junction",
    "Junctions",
    "Key",
    "Keys",
    "Knoll",
    "Knolls",
    "Lake",
    "Lakes",
    "Land",
    "Landing",
    "Lane",
    "Light",
    "Lights",
    "Loaf",
    "Lock",
    "Locks",
    "Lodge",
    "Loop",
    "Mall",
    "Manor",
    "Manors",
    "Meadow",
    "Meadows",
    "Mews",
    "Mill",
    "Mills",
    "Mission",
    "Motorway",
    "Mount",
    "Mountain",
    "Mountains",
    "Neck",
    "Orchard",
    "Oval",
    "Overpass",
    "Park",
    "Parks",
    "Parkway",
    "Parkways",
    "Pass",
    "Passage",
    "Path",
    "Pike",
    "Pine",
    "Pines",
    "Place",
    "Plain",
    "Plains",
    "Plaza",
    "Point",
    "Points",
    "Port",
    "Ports",
    "Prairie",
    "Radial",
    "Ramp",
    "Ranch",
    "Rapid",
    "Rapids",
    "Rest",
    "Ridge",
    "Ridges",
    "River",
    "Road",
    "Roads",
    "Route",
    "Row",
    "Rue",
    "Run",
    "Shoal",
    "Shoals",
    "Shore",
    "Shores",
    "Skyway",
    "Spring",
    "Springs",
    "Spur",
    "Spurs",
    "Square",
    "Squares",
    "Station",
    "Stravenue",
    "Stream",
    "Street",
    "Streets",
    "Summit",
    "Terrace",
    "Throughway",
    "Trace",
    "Track",
    "Trafficway",
    "Trail",
    "Tunnel",
    "Turnpike",
    "Underpass",
    "Union",
    "Unions",
    "Valley",
    "Valleys",
    "Via",
    "Viaduct",
    "View",
    "Views",
    "Village",
    "Villages",
    "Ville",
    "Vista",
    "Walk",
    "Walks",
    "Wall",
    "Way",
    "Ways",
    "Well",
    "Wells",
    "St",
    "Ave",
    "Av",
    "Rd",
    "Blvd",
    "Boulevard",
    "Ln",
    "Dr",
    "Ct",
    "Pl",
    "Ter",
    "Terr",
    "Cir",
    "Pkwy",
    "Hwy",
    "Sq",
    "Trl",
    "Cres",
    "Close",
    "Aly",
    "Plz",
    "Expy",
    "Fwy",
    "Tpke",
    "Cswy",
    "Esplanade",
    "Embankment",
    "Quay",
    "Wharf",
    "Broadway",
    "Xing",
    "Cutting",
    "Parade",
    "Grange",
    "Rise",
    "Vale",
    "Wynd",
    "Gate",
    "Hts",
    "Ext",
    "Jct",
    "Mtn",
)
_UNIT = (
    r"(?:,?\s{0,3}(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|Bldg|Building|#)\.?"
    r"\s{0,3}#?\s{0,2}[\w-]{1,6}(?![\w-]))"
)
# continental street types written joined to the name (Hauptstraße, Kerkstraat, Storgatan, Nørregade)
_JOINED_SUFFIXES = (
    "straße",
    "strasse",
    "str.",
    "weg",
    "gasse",
    "platz",
    "allee",
    "ring",
    "damm",
    "ufer",
    "vägen",
    "gatan",
    "väg",
    "gata",
    "vej",
    "gade",
    "veien",
    "vegen",
    "gate",
    "laan",
    "straat",
    "plein",
    "gracht",
    "kade",
    "singel",
    "braut",
    "tie",
    "katu",
    "kuja",
    "polku",
    "kaari",
    "torget",
    "gränd",
    "stigen",
    "backen",
    "leden",
    "plads",
    "stræde",
    "vænget",
    "allé",
    "stien",
    "plassen",
    "bakken",
    "hof",
    "dijk",
    "steeg",
    "pfad",
    "chaussee",
    "boulevard",
    "bulevardi",
    "lei",
    "dreef",
    "pad",
)
_JOINED = _trie(set(_JOINED_SUFFIXES))
# street types written as a word of their own, before the name (Via Roma 12) or after it (Gyula utca 76)
_BEFORE = (
    "Rue",
    "Avenue",
    "Boulevard",
    "Chemin",
    "Place",
    "Allée",
    "Impasse",
    "Quai",
    "Via",
    "Viale",
    "Piazza",
    "Piazzale",
    "Corso",
    "Vicolo",
    "Calle",
    "Avenida",
    "Paseo",
    "Plaza",
    "Carrer",
    "Camino",
    "Rua",
    "Travessa",
    "Largo",
    "Praça",
    "Ulica",
    "Ul.",
    "Strada",
    "Trg",
    "Aleja",
    "Al.",
    "Ulice",
    "Jalan",
    "Jl.",
    "Av.",
    "Avda.",
    "Carrera",
    "Pátio",
    "Andador",
    "Diagonal",
    "Rambla",
    "Ronda",
    "Travesía",
    "Estrada",
    "Alameda",
    "Pasaje",
    "Cañada",
    "Aleea",
    "Intrarea",
    "Gang",
    "Gg.",
    "R.",
    "Av",
    "Plac",
    "Bulevar",
    "Bulevardul",
    "Str.",
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


_AFTER = _trie(
    {
        "utca",
        "út",
        "tér",
        "körút",
        "köz",
        "ulica",
        "cesta",
        "ulice",
        "sokak",
        "caddesi",
        "sokağı",
        "iela",
        "gatve",
        "tänav",
        "polku",
        "tie",
        "katu",
    }
)
_FRENCH = _trie(
    {
        "rue",
        "avenue",
        "boulevard",
        "bd",
        "chemin",
        "allée",
        "impasse",
        "quai",
        "route",
        "place",
        "montée",
        "rang",
        "voie",
        "cours",
    }
)
_CITY = (  # after a comma: ", Springfield, IL 62704"
    rf"(?:,\s{{1,3}}{_WORD}(?:\s{_WORD}){{0,2}})?(?:,?\s{{1,3}}[A-Z]{{2}}(?!\w))?"
    r"(?:,?\s{1,3}\d{5}(?:-\d{4})?(?!\d))?"
)
# after a street type written first: the street's name, then its number (Via Roma 12, Piazza Guidone, 846)
_NAME_THEN_NUMBER = (
    rf"\s{{1,3}}(?:(?:{_WORD}|{_PARTICLE})\s{{1,3}}){{0,4}}?(?:{_WORD}|{_PARTICLE}),?\s{{1,3}}"
    r"(?:(?:No|Nr|N°|n)\.?\s{0,2}|#\s{0,2})?\d{1,5}[A-Za-z]?(?!\w)"
)
_LOWER_BEFORE = (
    "rue",
    "avenue",
    "boulevard",
    "chemin",
    "allée",
    "impasse",
    "al.",
    "ul.",
    "ulica",
    "aleja",
    "plac",
    "via",
    "calle",
    "trg",
)
_LOWER_INITIALS = "".join(sorted({w[0] for w in _LOWER_BEFORE}))
_LOWER_TYPE_FIRST = (  # rue Sébastien Paschoud 56, al. Klonowa 876
    rf"[{_LOWER_INITIALS}](?<![\w'’.-][{_LOWER_INITIALS}])(?:{_after_initial(_LOWER_BEFORE)}){_NAME_THEN_NUMBER}"
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
            rf"(?:{_after_initial(_BEFORE)}){_NAME_THEN_NUMBER}",
            # Hegedűs Gyula utca 76 (the capital is the first name word's)
            rf"[\w'’.-]{{0,30}}+\s{{1,3}}(?:{_WORD}\s{{1,3}}){{0,2}}(?:{_AFTER})\s{{1,3}}\d{{1,5}}[A-Za-z]?(?!\w)",
            # P.O. Box 1234
            r"(?<=P)\.?\s?O\.?\s{1,3}Box\s{1,3}\d{1,6}(?!\d)",
        )
    )
    + ")"
)
_DIGIT = re.compile(r"\d")


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    """Compiled on first use: compiling takes tens of milliseconds, which an import should not cost."""
    return tuple(re.compile(p) for p in (_NUMBER_FIRST, _NAME_FIRST, _LOWER_TYPE_FIRST))


@register
class StreetAddressDetector(Detector):
    """Postal street addresses (house number and street, with unit, city and postcode when given)."""

    name = "street_address"
    category = "pii"

    def detect(self, text: str) -> list[Match]:
        if not _DIGIT.search(text):
            return []
        spans = sorted(
            (m.start(), end)
            for pattern in _patterns()
            for m, end in up_to_max_matches(pattern.finditer(text), pattern, text, self.max_span, MAX_MATCHES)
        )
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
