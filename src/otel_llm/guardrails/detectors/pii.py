"""PII detector: structured identifiers found by pattern plus checksum or numbering-plan validation.

Email, phone numbers (``phonenumbers``), payment cards (Luhn), IBAN (ISO 7064 mod-97), US SSN and
IPv4/IPv6 addresses, plus user patterns. Choice over Presidio's recognizers: see docs/guardrails.md.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber

from otel_llm.guardrails.detectors.base import MAX_MATCHES, Detector, register, up_to_max_matches
from otel_llm.guardrails.results import Match

EMAIL = "EMAIL_ADDRESS"
PHONE = "PHONE_NUMBER"
CARD = "CREDIT_CARD"
IBAN = "IBAN_CODE"
SSN = "US_SSN"
IP = "IP_ADDRESS"
ENTITY_TYPES = (EMAIL, PHONE, CARD, IBAN, SSN, IP)

# Emails are found from each "@": the local part backwards, the domain forwards. The local part is the
# whole run of local-part characters before the "@" (the lookbehind fails at once inside a run, so a
# search tries each of the 65 positions before the "@" cheaply and scans to it only from the run's start).
_EMAIL_LOCAL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}$")
# an "@" after a character a local part ends with, and the domain after it
_EMAIL_AT_DOMAIN = re.compile(r"@(?<=[A-Za-z0-9._%+-]@)(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}\b")
_ADDRESS_CHAR = re.compile(r"[\w.%+-]")
_WORD_CHAR = re.compile(r"\w")
# Patterns start with a character class, and check the character before it by lookbehind, so that
# the regex engine can skip ahead to candidate characters instead of trying every position.
# Cards (group 1) are found from the character before them, which is rarer than a digit in a numeric run;
# at the start of the text, where there is none, ``_CARD_AT_START`` is tried.
_CARD_RE = re.compile(r"[^\d+-](\d(?:[ -]?+\d){11,18})(?![\d-])")
_CARD_AT_START = re.compile(r"(\d(?:[ -]?+\d){11,18})(?![\d-])")
_IBAN_RE = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
# SSNs are found from their first separator (rarer than digits in a numeric run), three digits before it
_SSN_RE = re.compile(r"([- ])(?<=\d{3}[- ])(?<![\d-]\d{3}[- ])\d\d\1\d{4}(?![\d-])")
_SSN_LAYOUT = re.compile(r"\d{3}([- ])\d\d\1\d{4}")
_IPV4_RE = re.compile(r"\d(?<![\d.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?!\d|\.\d)")
# A whole run of hex digits and colons (no word character or colon on either side, never backtracked into)
# of at most 39 characters (eight groups of four hex digits and seven colons) with two colons or more.
_IPV6_RUN = re.compile(r"(?<![\w:])(?=[0-9A-Fa-f]*:[0-9A-Fa-f]*:)[0-9A-Fa-f:]{2,39}+(?![\w:])")
_PHONE_RE = re.compile(r"[+(\d](?<![\w+][+(\d])[\d ().\-]{5,20}\d(?:\s?(?:x|ext\.?)\s?\d{1,6})?(?!\w)")
_PHONE_EXTENSION = re.compile(r"\s?(?:x|ext\.?)\s?\d{1,6}$")
_NANP_LAYOUT = re.compile(r"^(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# A national number of any region, without a trunk prefix ("467 3395", "(64) 3591-3246", "60-56-85-91"):
# taken only where a phone word labels it (``_PHONE_LABEL_BEFORE``, ``_PHONE_LABEL_AFTER``), because
# without one it is as likely an order, account or invoice number.
_LOCAL_NUMBER = re.compile(r"(?:\(\d{1,4}\) ?)?\d{2,4}(?:[ .-]\d{2,4}){0,4}|\d{7,12}")
_PHONE_WORDS = (
    r"phone|telephone|tel|mobile|mob|cell|cellphone|fax|whatsapp|sms|landline|hotline|desk|office"
    r"|telefon|tel[ée]fono|t[ée]l[ée]phone|handy|tlf|m[óo]vil|cellulare"
)
# the label, then at most three words and no digit: "Phone: ", "call me on ", "mobile number is "
_PHONE_LABEL_BEFORE = re.compile(
    rf"\b(?:{_PHONE_WORDS}|call|dial|text me|ring me|reach me|reach us|contact)\b\W*(?:[^\W\d]+\W+){{0,3}}$",
    re.IGNORECASE,
)
_PHONE_LABEL_AFTER = re.compile(rf"[\s,\\()-]{{0,3}}(?:{_PHONE_WORDS}|home|work)\b", re.IGNORECASE)
_LABEL_WINDOW = 40
LABELLED_PHONE_SCORE = 0.6  # the score of such a number (numbering-plan-valid ones score 0.75)
_DIGITS = re.compile(r"\d")
_DELETE_NON_DIGITS = str.maketrans("", "", " ().-+")  # a phone candidate less its extension: its digits
# Every character the card, SSN, IPv4 and phone patterns can consume. Their matches start with one of
# "+(" or a digit, so each lies inside one such run: one scan finds the runs, and the patterns then only
# search runs long enough to hold them (the character after a run is included for their lookaheads).
# Only the runs of 7 or more characters (the shortest any of those patterns needs) are found: the
# lookahead fails at the start of a shorter run and at every position inside it, and a long run is
# consumed whole (possessively), so the runs found are exactly the long ones of the plain run pattern.
_NUMERIC_RUN = re.compile(r"(?=[+(\d][\d\s().+\-xet]{6})[+(\d][\d\s().+\-xet]*+")

Run = tuple[int, int]  # start and end of a numeric run (or window)
Runs = list[int]
"""The start and end of each numeric run, one after the other (no tuple per run: texts can have 100,000s)."""


@dataclass(frozen=True)
class RunPattern:
    """A pattern searched only in numeric runs of ``min_length`` or more characters.

    With ``separators``, a run must also hold ``count`` or more of one of them (every match does); with
    ``min_digits``, at least that many characters other than spaces (every match has that many digits).
    With ``at_start``, ``regex`` consumes the character before its match, which a window at the text's
    start lacks: there ``at_start`` is tried first.
    """

    regex: re.Pattern[str]
    min_length: int
    separators: tuple[str, ...] = ()
    count: int = 0
    min_digits: int = 0
    at_start: re.Pattern[str] | None = None

    def finditer(self, text: str, runs: Runs) -> Iterator[re.Match[str]]:
        for start, end in self.windows(text, runs):
            if self.at_start is not None:
                if start > 0:
                    start -= 1  # a window's first run follows a character outside the runs
                elif (first := self.at_start.match(text, 0, end + 1)) is not None:
                    yield first
                    start = first.end()
            yield from self.regex.finditer(text, start, end + 1)

    def windows(self, text: str, runs: Runs) -> Iterator[Run]:
        """The runs that can hold a match, those less than ``WINDOW_GAP`` apart joined into one window.

        Searching a window finds exactly the matches of its runs: a match is made of run characters only,
        and a run that fails the length or separator test holds none. One search per window instead of one
        per run keeps texts of many short runs cheap.
        """
        window: Run | None = None
        shortest, separators, count, occurrences = self.min_length, self.separators, self.count, text.count
        digits = self.min_digits
        bounds = iter(runs)
        for start, end in zip(bounds, bounds):  # plain loops and locals: this runs once per run
            if end - start < shortest or (digits and end - start - occurrences(" ", start, end) < digits):
                continue
            if separators:
                for separator in separators:
                    if occurrences(separator, start, end) >= count:
                        break
                else:
                    continue
            if window is None:
                window = (start, end)
            elif start - window[1] < WINDOW_GAP:
                window = (window[0], end)
            else:
                yield window
                window = (start, end)
        if window is not None:
            yield window


WINDOW_GAP = 256
"""Runs closer than this are searched as one window (the regex skips the characters between in C)."""


_CARDS = RunPattern(_CARD_RE, 12, min_digits=12, at_start=_CARD_AT_START)
_SSNS = RunPattern(_SSN_RE, 11, ("-", " "), 2, min_digits=9)
_IPV4S = RunPattern(_IPV4_RE, 7, (".",), 3)
_PHONES = RunPattern(_PHONE_RE, 7)

DEFAULT_PHONE_REGIONS = ("US", "GB", "DE", "FR", "CH", "IT", "ES", "NL", "IN", "AU", "CA", "IL", "BR")


_LUHN_DOUBLE = str.maketrans("0123456789", "0246813579")  # each digit doubled, minus 9 above 9


def luhn_valid(digits: str) -> bool:
    """Luhn checksum of a string of digits."""
    summed = digits[-1::-2] + digits[-2::-2].translate(_LUHN_DOUBLE)
    if summed.isascii():  # the usual case: add the code points, less those of "0"
        return (sum(summed.encode()) - 48 * len(summed)) % 10 == 0
    return sum(map(int, summed)) % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616 check: move the first four characters to the end and test mod 97 == 1."""
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def valid_iban_prefix(candidate: str, checks: Checks) -> int:
    """Length of the longest valid IBAN that ``candidate`` starts with, cut at group boundaries (the
    pattern may run into a following word), or 0."""
    while len(candidate.replace(" ", "")) >= 15:
        if checks.valid(candidate, iban_valid):
            return len(candidate)
        candidate = candidate[: max(candidate.rfind(" "), len(candidate) - 4)].rstrip()
    return 0


def card_start(card: re.Match[str]) -> int:
    return card.start(1)


def ssn_start(separator: re.Match[str]) -> int:
    """Where the SSN whose first separator ``_SSN_RE`` matched starts."""
    return separator.start() - 3


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """SSA rules: no 000/666/9xx area, no 00 group, no 0000 serial."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


@dataclass(frozen=True)
class CustomPattern:
    """A user-supplied regular expression reported as ``entity_type``."""

    entity_type: str
    regex: re.Pattern[str]
    score: float = 1.0

    @classmethod
    def parse(cls, spec: dict[str, Any]) -> CustomPattern:
        return cls(spec["entity_type"], re.compile(spec["regex"]), float(spec.get("score", 1.0)))


@register
class PIIDetector(Detector):
    """Finds personal identifiers; ``entities`` restricts the built-in types, ``patterns`` adds more."""

    name = "pii"
    category = "pii"

    def __init__(
        self,
        entities: Iterable[str] = ENTITY_TYPES,
        patterns: Iterable[dict[str, Any]] = (),
        phone_regions: Iterable[str] = DEFAULT_PHONE_REGIONS,
    ):
        self.entities = tuple(entities)
        unknown = set(self.entities) - set(ENTITY_TYPES)
        if unknown:
            raise ValueError(f"unknown PII entity types {sorted(unknown)}; built-in: {ENTITY_TYPES}")
        self.custom = [CustomPattern.parse(spec) for spec in patterns]
        self.phone_regions = tuple(phone_regions)
        # regions whose national numbers are written with trunk prefix 0, with their country codes and
        # the pattern every valid national number there matches (checked first: validation is costly)
        self._trunk_zero_regions = [
            (region, phonenumbers.country_code_for_region(region), national_pattern(metadata))
            for region in self.phone_regions
            if getattr(metadata := PhoneMetadata.metadata_for_region(region), "national_prefix", None) == "0"
        ]
        finders: dict[str, Callable[[str, Runs, Checks], Iterator[Match]]] = {
            EMAIL: self._emails,
            CARD: self._cards,
            IBAN: self._ibans,
            SSN: self._ssns,
            IP: self._ips,
        }
        self._finders = [finders[e] for e in ENTITY_TYPES if e in self.entities and e != PHONE]
        self._find_phones = PHONE in self.entities

    def detect(self, text: str) -> list[Match]:
        found: list[Match] = []
        if _DIGITS.search(text) or "@" in text or ":" in text:
            runs = [bound for m in _NUMERIC_RUN.finditer(text) for bound in m.span()]
            checks = Checks(text)
            for finder in self._finders:
                found.extend(finder(text, runs, checks))
            rest = checks.take_rest()
            if self._find_phones:  # last and slowest: skips digit runs already identified as something else
                found.extend(self._phones(text, runs, [*found, *rest], checks))
                rest.extend(checks.take_rest())
            if rest:
                found = absorbed(rest, found)
        for pattern in self.custom:
            found.extend(
                Match(m.start(), m.end(), pattern.entity_type, pattern.score)
                for m in pattern.regex.finditer(text)
            )
        return drop_overlaps(found)

    @staticmethod
    def _emails(text: str, runs: Runs, checks: Checks) -> Iterator[Match]:
        def local_part(domain: re.Match[str]) -> int | None:
            """Where the local part before the "@" starts (it must follow a non-address character)."""
            at = domain.start()
            local = _EMAIL_LOCAL.search(text, max(0, at - 65), at)
            if local and ((start := local.start()) == 0 or not _ADDRESS_CHAR.match(text, start - 1)):
                return start
            return None

        def entity_start(domain: re.Match[str]) -> int:
            start = local_part(domain)
            return domain.start() if start is None else start

        domains = _EMAIL_AT_DOMAIN.finditer(text)  # each "@" with a domain after it, in one scan
        for domain in checks.one_by_one(_EMAIL_AT_DOMAIN, domains, EMAIL, entity_start):
            if (start := local_part(domain)) is not None:
                yield Match(start, domain.end(), EMAIL, 1.0)

    @staticmethod
    def _cards(text: str, runs: Runs, checks: Checks) -> Iterator[Match]:
        for m in checks.one_by_one(_CARD_RE, _CARDS.finditer(text, runs), CARD, card_start):
            digits = m.group(1).replace(" ", "").replace("-", "")
            if 12 <= len(digits) <= 19 and luhn_valid(digits):
                yield Match(m.start(1), m.end(1), CARD, 1.0)

    @staticmethod
    def _ibans(text: str, runs: Runs, checks: Checks) -> Iterator[Match]:
        shortened: dict[str, int] = {}  # candidate -> length of its valid prefix (0: none)
        for m in checks.one_by_one(_IBAN_RE, _IBAN_RE.finditer(text), IBAN):
            candidate = m.group()
            length = shortened.get(candidate)
            if length is None:
                length = shortened[candidate] = valid_iban_prefix(candidate, checks)
            if length:
                yield Match(m.start(), m.start() + length, IBAN, 1.0)

    @staticmethod
    def _ssns(text: str, runs: Runs, checks: Checks) -> Iterator[Match]:
        for m in checks.one_by_one(_SSN_RE, _SSNS.finditer(text, runs), SSN, ssn_start):
            start, end = ssn_start(m), m.end()
            ssn = text[start:end]
            if ssn_valid(ssn[:3], ssn[4:6], ssn[7:]):
                yield Match(start, end, SSN, 0.85)

    @staticmethod
    def _ips(text: str, runs: Runs, checks: Checks) -> Iterator[Match]:
        candidates = [m.span() for m in checks.one_by_one(_IPV4_RE, _IPV4S.finditer(text, runs), IP)]
        if ":" in text:  # IPv6: whole runs of hex digits and colons, in one scan
            ipv6 = checks.one_by_one(_IPV6_RUN, _IPV6_RUN.finditer(text), IP)
            candidates.extend(m.span() for m in ipv6)
        for start, end in candidates:
            if not checks.valid(text[start:end], _is_ip_address):
                continue
            yield Match(start, end, IP, 0.9)

    def _phones(self, text: str, runs: Runs, taken: list[Match], checks: Checks) -> Iterator[Match]:
        covered = bytearray(len(text)) if taken else None  # 1 where another entity was found
        if covered is not None:
            for t in taken:
                covered[t.start : t.end] = b"\1" * (t.end - t.start)
            # matches overlapping another entity are skipped, so runs without enough free characters are too
            bounds = iter(runs)
            runs = [
                bound
                for start, end in zip(bounds, bounds)
                if covered.count(0, start, end) >= _PHONES.min_length
                for bound in (start, end)
            ]
        for m in checks.one_by_one(_PHONE_RE, _PHONES.finditer(text, runs), PHONE):
            if covered is not None and covered.find(1, m.start(), m.end()) != -1:
                continue
            candidate = m.group()
            like = checks.seen.get(candidate)
            if like is None:
                like = checks.seen[candidate] = self._phone_like(candidate, checks)
            if like:
                yield Match(m.start(), m.end(), PHONE, 0.75)
            elif self._labelled_local_number(text, m.start(), m.end(), candidate):
                yield Match(m.start(), m.end(), PHONE, LABELLED_PHONE_SCORE)

    @staticmethod
    def _labelled_local_number(text: str, start: int, end: int, candidate: str) -> bool:
        """A national number outside the numbering plans of ``phone_regions``, labelled as a phone."""
        if candidate.startswith(("+", "00")) or not _LOCAL_NUMBER.fullmatch(candidate):
            return False  # an international number is judged by its country code alone
        if not 7 <= len(candidate.translate(_DELETE_NON_DIGITS)) <= 12 or _ISO_DATE.match(candidate):
            return False
        return (
            _PHONE_LABEL_BEFORE.search(text, max(0, start - _LABEL_WINDOW), start) is not None
            or _PHONE_LABEL_AFTER.match(text, end, end + _LABEL_WINDOW) is not None
        )

    def _phone_like(self, candidate: str, checks: Checks) -> bool:
        """Whether a digit run is a phone number.

        International numbers must be possible for their country code. National ones must have the North
        American layout or be valid there, or start with the trunk prefix 0 and be valid in one of the
        ``phone_regions`` that use it. Dates, SSN layouts and runs of under 7 or over 15 digits are not.
        The numbering-plan checks (``phonenumbers``) are the costly ones: they go through ``checks``.
        """
        # each regex only where the cheap test says it can match: this runs for every candidate
        number = _PHONE_EXTENSION.sub("", candidate) if "x" in candidate else candidate
        if "(0)" in number:
            number = number.replace("(0)", "")
        digits = len(number.translate(_DELETE_NON_DIGITS))
        if (
            not 7 <= digits <= 15
            or (number[4:5] == "-" and _ISO_DATE.match(number))
            or (len(number) == 11 and _SSN_LAYOUT.fullmatch(number))
        ):
            return False
        if number.startswith(("+", "00")):
            return checks.valid(number, _possible_international)
        if _NANP_LAYOUT.match(number):
            return True
        if not 9 <= digits <= 12:
            return False
        if not number.lstrip("(").startswith("0"):  # no trunk prefix: North American numbers only
            # which have 10 digits, 11 with the country code 1: skip the costly parse for the others
            if digits != 10 and not (digits == 11 and number.lstrip("(").startswith("1")):
                return False
            return checks.valid(number, _valid_north_american)
        return checks.valid(number, self._valid_after_trunk_zero)

    def _valid_after_trunk_zero(self, number: str) -> bool:
        """The rest after the trunk 0 is the national number: valid in one of the regions using that prefix
        (checked without a parse per region)."""
        national_number = int("".join(_DIGITS.findall(number))[1:])
        significant = str(national_number)
        return any(
            pattern.fullmatch(significant) is not None
            and phonenumbers.is_valid_number_for_region(
                PhoneNumber(country_code=code, national_number=national_number), r
            )
            for r, code, pattern in self._trunk_zero_regions
        )


MAX_VALIDATIONS = 500
"""Costly checks (numbering plans, address parsing) of distinct candidates in one text; past them, a candidate
is taken on its shape alone (reported, never dropped), so the work per text stays bounded."""


LONGEST_MATCH = {_EMAIL_AT_DOMAIN: 320, _CARD_RE: 38, _IBAN_RE: 43, _SSN_RE: 11, _IPV4_RE: 15, _IPV6_RUN: 39}
LONGEST_MATCH[_PHONE_RE] = 34  # "+" or "(", 20 more, a digit, and an extension such as " ext. 123456"
"""The longest match of each pattern (for emails, the domain after the "@": at most 255 characters)."""


class Checks:
    """The bounded work of one text.

    The costly checks: each distinct candidate is checked once, and at most ``MAX_VALIDATIONS`` are; the
    candidates after them are reported on their shape (a superset of what the checks would keep).
    The candidates: at most ``MAX_MATCHES`` of each pattern one by one, as the other pattern detectors do;
    past them, the rest is one range from the next candidate to the last (found from the end of the text),
    reported unjudged, so that nothing a later candidate would match goes unreported.
    """

    __slots__ = ("left", "rest", "results", "seen", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.results: dict[tuple[Callable[[str], bool], str], bool] = {}
        self.left = MAX_VALIDATIONS
        self.seen: dict[str, bool] = {}  # phone candidates already judged (the cheap checks included)
        self.rest: list[Match] = []

    def one_by_one(
        self,
        regex: re.Pattern[str],
        matches: Iterable[re.Match[str]],
        entity: str,
        start: Callable[[re.Match[str]], int] = re.Match.start,
    ) -> Iterator[re.Match[str]]:
        """``matches`` of ``regex``, in order, up to ``MAX_MATCHES``; the rest goes to ``rest``, one range
        from ``start`` of the next (where its entity starts) to the end of the last."""
        bounded = up_to_max_matches(matches, regex, self.text, LONGEST_MATCH[regex], MAX_MATCHES)
        for count, (m, end) in enumerate(bounded):
            if count == MAX_MATCHES:  # the rest
                self.rest.append(Match(start(m), end, entity, 1.0))
                return
            yield m

    def take_rest(self) -> list[Match]:
        rest, self.rest = self.rest, []
        return rest

    def valid(self, candidate: str, check: Callable[[str], bool]) -> bool:
        key = (check, candidate)
        result = self.results.get(key)
        if result is None:
            if self.left <= 0:
                return True
            self.left -= 1
            result = self.results[key] = check(candidate)
        return result


def _possible_international(number: str) -> bool:
    international = "+" + number[2:] if number.startswith("00") else number
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(international, None))
    except phonenumbers.NumberParseException:
        return False


def _valid_north_american(number: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, "US"))
    except phonenumbers.NumberParseException:
        return False


def _is_ip_address(candidate: str) -> bool:
    """Also rejects hex words and times such as 12:30:00."""
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def national_pattern(metadata: PhoneMetadata | None) -> re.Pattern[str]:
    """The region's general national-number pattern (matches any string when the metadata has none)."""
    general = getattr(metadata, "general_desc", None)
    return re.compile(getattr(general, "national_number_pattern", None) or ".*")


def absorbed(ranges: list[Match], matches: list[Match]) -> list[Match]:
    """``matches`` with ``ranges`` joined where they overlap, each grown over every match it overlaps (as the
    first range's entity, with score 1): a range past the bound then wins every overlap, and nothing that it
    or a match in it covered is left uncovered."""
    unions = joined([[r.start, r.end, r.entity_type] for r in ranges])
    starts = [union[0] for union in unions]
    kept: list[Match] = []
    for match in matches:
        index = bisect.bisect_left(starts, match.end) - 1  # the last range that starts before the match ends
        if index >= 0 and unions[index][1] > match.start:
            unions[index][0] = min(unions[index][0], match.start)
            unions[index][1] = max(unions[index][1], match.end)
        else:
            kept.append(match)
    return kept + [Match(start, end, entity, 1.0) for start, end, entity in joined(unions)]


def joined(spans: list[list[Any]]) -> list[list[Any]]:
    """``[start, end, entity]`` spans sorted, overlapping ones joined (keeping the first one's entity)."""
    result: list[list[Any]] = []
    for span in sorted(spans, key=lambda span: (span[0], span[1])):
        if result and span[0] < result[-1][1]:
            result[-1][1] = max(result[-1][1], span[1])
        else:
            result.append(list(span))
    return result


def drop_overlaps(matches: list[Match]) -> list[Match]:
    """Keep the best of overlapping matches (higher score, then longer), sorted by position."""
    ordered = sorted(matches, key=lambda m: (m.start, -m.score, m.start - m.end))
    if all(a.end <= b.start for a, b in pairwise(ordered)):
        return ordered  # the usual case: nothing overlaps
    ranked = sorted(matches, key=lambda m: (-m.score, -(m.end - m.start), m.start))
    kept: list[Match] = []
    for match in ranked:
        if all(match.end <= other.start or match.start >= other.end for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)
