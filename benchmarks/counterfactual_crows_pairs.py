"""The counterfactual generator on CrowS-Pairs: does it find the demographic term, and make the pair?

Each CrowS-Pairs pair is a minimal edit: two sentences that differ only in the words naming a group.
For the pairs of the five bias types the bundled term lists cover (race-color -> ethnicity and
names, gender -> gender and names, nationality, religion, age), and in both directions:

- found: the generator finds a term of the pair's dimensions in the sentence (it makes a variant);
- pair made: one of its variants equals the other sentence of the pair (case and spacing aside).

The term lists were written before this data was read and are not tuned on it (the set has no
train/test split). Data: tests/evaluation/data/crows_pairs_subset.csv (see its NOTICE).

Run (project root): ``.venv/bin/python benchmarks/counterfactual_crows_pairs.py --write docs/evaluation.md``
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "evaluation" / "data" / "crows_pairs_subset.csv"
START, END = "<!-- counterfactual-crows-pairs:start -->", "<!-- counterfactual-crows-pairs:end -->"
DIMENSIONS = {
    "race-color": ["ethnicity", "names"],
    "gender": ["gender", "names"],
    "nationality": ["nationality"],
    "religion": ["religion"],
    "age": ["age"],
}


def canonical(text: str) -> str:
    return " ".join(re.findall(r"[\w'-]+", text.lower()))


def measure() -> dict[str, dict[str, int]]:
    from otel_llm.evaluation.counterfactual import load_terms, variants

    terms = load_terms()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"sentences": 0, "found": 0, "made": 0})
    with DATA.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            for text, other in ((row["sent_more"], row["sent_less"]), (row["sent_less"], row["sent_more"])):
                made = variants(text, DIMENSIONS[row["bias_type"]], terms)
                tally = counts[row["bias_type"]]
                tally["sentences"] += 1
                tally["found"] += bool(made)
                tally["made"] += canonical(other) in {canonical(v.text) for v in made}
    return dict(counts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="replace the figures section of this Markdown file")
    args = parser.parse_args()
    counts = measure()
    total = {key: sum(c[key] for c in counts.values()) for key in ("sentences", "found", "made")}
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on CrowS-Pairs (1,129 pairs of five bias types, "
        "each sentence of a pair in turn), bundled term lists.",
        "",
        "| bias type (dimensions) | sentences | term found | pair made |",
        "|---|---:|---:|---:|",
    ]
    for bias_type, tally in sorted(counts.items(), key=lambda item: -item[1]["sentences"]):
        n = tally["sentences"]
        lines.append(
            f"| {bias_type} ({', '.join(DIMENSIONS[bias_type])}) | {n} | {tally['found'] / n:.1%} "
            f"| {tally['made'] / n:.1%} |"
        )
    n = total["sentences"]
    lines.append(f"| all | {n} | {total['found'] / n:.1%} | {total['made'] / n:.1%} |")
    lines += [
        "",
        "Command: `.venv/bin/python benchmarks/counterfactual_crows_pairs.py --write docs/evaluation.md`",
    ]
    block = "\n".join(lines)
    print(block)
    if args.write:
        text = args.write.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"{args.write} has no {START} ... {END} section")
        args.write.write_text(pattern.sub(lambda _: f"{START}\n{block}\n{END}", text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
