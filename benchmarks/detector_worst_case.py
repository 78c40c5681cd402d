"""Adversarial worst-case timing for every guardrail detector, with a budget: 1 MB in at most 0.3 s.

Each detector is run on every adversarial input (a unit repeated to 10 KB, 100 KB and 1 MB) that targets
a pattern's backtracking or a scanner's restart logic: hex and colon runs (the IPv6 scan), separators
that every secret pattern starts with, opened PEM blocks, digit runs, "@" runs, and so on. Each run is in
a child process with a timeout, so a quadratic or endless detector is reported, not waited on.

Times are the child's CPU time (``time.process_time``: user + system of that process alone), so that other
jobs on a loaded machine do not count; the timeout is wall time. Before the timed call the child runs the
detector once on a short text (its lazily built state is then in place, as in a running app). A figure is
the median of ``--runs`` children (default 3): one child's CPU time of the same call varies by about a
third on a shared machine.

    .venv/bin/python benchmarks/detector_worst_case.py            # all detectors, all sizes
    .venv/bin/python benchmarks/detector_worst_case.py --detector pii --sizes 10000,100000

Exit status 1 when a detector exceeds the budget at 1 MB (or times out at any size).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

SIZES = (10_000, 100_000, 1_000_000)
BUDGET_SECONDS = 0.3  # for 1 MB
TIMEOUT_SECONDS = 10.0

# (name, unit): the unit is repeated to the input size; a "{pad}" unit is filled by one long run instead.
ADVERSARIAL: tuple[tuple[str, str], ...] = (
    ("hex-colon pairs", "AB:"),
    ("colons", ":"),
    ("hex digits", "a"),
    ("ipv6 then port", "fe80::1:8080 "),
    ("fingerprint", "SHA1 Fingerprint=AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01 "),
    ("-sk-", "-sk-"),
    ("sk- run", "sk-"),
    ("sk-proj-", "sk-proj-"),
    ("T3BlbkFJ", "T3BlbkFJ"),
    ("slashes", "/"),
    ("npm slashes", "//" * 50 + ":_authToken="),
    ("url credentials", "://a:b@"),
    ("sk- and T3BlbkFJ", "-sk-T3BlbkFJ"),
    ("jwt heads", "-eyJ"),
    ("npm anchors", "//a/:_authToken="),
    ("mailchimp", "0123456789abcdef" * 2 + "-us"),
    ("telegram", "123456789:"),
    ("jwt dots", "eyJaaaaa."),
    ("pem begin", "-----BEGIN PRIVATE KEY-----"),
    ("pem begin/end", "-----BEGIN RSA PRIVATE KEY-----aaaa-----END "),
    ("dashes", "-"),
    ("token chars", "aB3_-+/="),
    ("digits", "1"),
    ("digit spaces", "1 "),
    ("digit dashes", "1-"),
    ("phone like", "+1 (555) 010-"),
    ("parens", "(1"),
    ("dots digits", "1."),
    ("at signs", "@"),
    ("emails", "a@b."),
    ("local parts", "a.b+c"),
    ("iban like", "DE89 3704 "),
    ("upper digits", "A1"),
    ("akia", "AKIA"),
    ("xox", "xoxb-"),
    ("ghp", "ghp_"),
    ("aiza", "AIza"),
    ("hf_", "hf_"),
    ("quotes", "'\""),
    ("words", "the quick brown fox "),
    ("swear words", "damn it, fuck "),
    ("invisible", "\u200b"),
    ("surrogate-free unicode", "ü€𝄞"),
    ("newlines", "\n"),
    ("backslashes", "\\"),
    ("json", '{"a": ['),
    ("fences", "```json\n"),
    ("refusal starts", "I'm sorry, I "),
    ("street addresses", "12 Main Street Apt 4, Springfield, IL 62704 "),
    ("lower-case street names", "1 aa "),
    ("lower-case addresses", "live at 12 oak lane "),
    ("military mail", "PSC 1 unit 1 APO AE 1 "),
    ("labelled local phones", "Phone: 467 3395 "),
    ("capitals and digits", "A A A 1 "),
    ("street types", "Via Roma "),
    ("joined street types", "Hauptstraße "),
    ("names", "John Smith and "),
    ("capitals", "A"),
    ("group sentences", "Women are bad. "),
    ("group words", "women "),
    ("group adjectives", "the poor are "),
    ("group and long words", "women " + "q" * 500 + " "),
    ("accented letters", "e\u0301"),
)

# Inputs whose candidates all differ (so that no per-text cache of checks helps): seeded random items.
VARIED: tuple[tuple[str, Callable[[random.Random], str]], ...] = (
    (
        "random US phones",
        lambda r: f"({r.randint(200, 999)}) {r.randint(200, 999)}-{r.randint(0, 9999):04d} ",
    ),
    ("random +44 phones", lambda r: f"+44 20 {r.randint(1000, 9999)} {r.randint(1000, 9999)} "),
    ("random digit runs", lambda r: f"{r.randint(10**9, 10**11)} "),
    ("random IPv6", lambda r: f"fe80::{r.randint(0, 65535):x}:{r.randint(0, 65535):x} "),
    ("random IPv4", lambda r: f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(0, 255)} "),
    ("random emails", lambda r: f"u{r.randint(0, 10**6)}@example.com "),
    (
        "random AKIA ids",
        lambda r: "AKIA" + "".join(r.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", k=16)) + " ",
    ),
    ("random IBAN-like", lambda r: f"DE{r.randint(10, 99)} {r.randint(1000, 9999)} {r.randint(1000, 9999)} "),
)


def varied_text(make: Callable[[random.Random], str], size: int) -> str:
    rng, parts, length = random.Random(0), [], 0
    while length < size:
        parts.append(make(rng))
        length += len(parts[-1])
    return "".join(parts)[:size]


def inputs(size: int) -> list[tuple[str, str]]:
    """Every adversarial input of ``size`` characters: (label, text)."""
    repeated = [(label, (unit * (size // len(unit) + 1))[:size]) for label, unit in ADVERSARIAL]
    return repeated + [(label, varied_text(make, size)) for label, make in VARIED]


def detectors() -> dict[str, Any]:
    """One instance of every registered detector, with options where it needs them."""
    from otel_llm.guardrails.detectors.base import registered

    options: dict[str, dict[str, Any]] = {
        "banned_substrings": {"terms": ["password", "internal only", "sk-", "::"]},
        "competitors": {"names": ["Acme", "Globex Corp"]},
        "banned_topics": {"topics": {"medical": ["dosage", "prescription"], "legal": ["lawsuit"]}},
        "max_length": {"max_tokens": 10_000_000},
        "json_schema": {"schema": {"type": "object"}},
    }
    return {name: cls(**options.get(name, {})) for name, cls in sorted(registered().items())}


_INSTANCES: dict[str, Any] = {}  # built once in the parent; forked children inherit them


def _time_one(name: str, text: str, out: Any) -> None:
    detector = _INSTANCES[name]
    with contextlib.suppress(Exception):
        detector.detect("warm-up: call 555-0100 or mail a@example.com")
    started = time.process_time()
    with contextlib.suppress(Exception):  # a detector error is handled by the fail mode: its time counts
        detector.detect(text)
    out.put(time.process_time() - started)


def timed(name: str, text: str, runs: int = 1) -> float | None:
    """CPU seconds one ``detect`` takes in a child process, the median of ``runs`` children; None when
    one exceeds the (wall) timeout."""
    times = []
    for _ in range(runs):
        seconds = _timed_once(name, text)
        if seconds is None:
            return None
        times.append(seconds)
    return statistics.median(times)


def _timed_once(name: str, text: str) -> float | None:
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    child = context.Process(target=_time_one, args=(name, text, out))
    child.start()
    child.join(TIMEOUT_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return out.get()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", action="append", help="only these detectors (repeatable)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--runs", type=int, default=3, help="children per figure; their median counts")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    _INSTANCES.update(detectors())
    names = args.detector or list(_INSTANCES)
    failed = False
    texts = {size: inputs(size) for size in sizes}
    print(f"{'detector':<20} {'input':<24} " + " ".join(f"{s:>10,}" for s in sizes) + "  (CPU seconds)")
    for name in names:
        worst = {size: 0.0 for size in sizes}
        worst_label = ""
        for index, label in enumerate(label for label, _ in texts[sizes[0]]):
            row = []
            for size in sizes:
                text = texts[size][index][1]
                seconds = timed(name, text, args.runs)
                if seconds is None:
                    row.append(f">{TIMEOUT_SECONDS:.0f}".rjust(10))
                    failed = True
                    break  # larger inputs would take longer still
                if seconds > worst[size]:
                    worst[size] = seconds
                    worst_label = label if size == sizes[-1] else worst_label
                over = seconds > BUDGET_SECONDS * max(size, 100_000) / 1_000_000  # linear share of the budget
                failed |= over and size >= 1_000_000
                row.append(f"{seconds:10.4f}" + ("!" if over else " "))
            if any(cell.strip().startswith(">") or cell.endswith("!") for cell in row):
                print(f"{name:<20} {label:<24} " + " ".join(row))
        row = " ".join(f"{worst[s]:10.4f}" for s in sizes)
        print(f"{name:<20} {'worst':<24} {row}  ({worst_label} at {sizes[-1]:,})")
        sys.stdout.flush()
    print(f"budget: 1 MB in <= {BUDGET_SECONDS} s per detector: {'EXCEEDED' if failed else 'met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
