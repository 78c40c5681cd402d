"""Entity-level PII quality on presidio-research's synthetic set: our detector vs Presidio's recognizers.

Structured types only (email, phone, card, IBAN, SSN, IP). A prediction is a true positive when it overlaps
an unmatched gold span of the same type ("overlap"); the "exact" figures also require identical boundaries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from guardrails_data import SHARED
from otel_llm.guardrails.detectors.pii import ENTITY_TYPES, PIIDetector
from otel_llm.guardrails.results import Match

DATASET = SHARED / "pii_presidio_synth_v2.json"
Span = tuple[int, int, str]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def prf(self) -> tuple[float, float, float]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


@dataclass
class Score:
    overlap: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in ENTITY_TYPES})
    exact: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in ENTITY_TYPES})

    @staticmethod
    def total(per_type: dict[str, Counts]) -> Counts:
        return Counts(*(sum(getattr(c, k) for c in per_type.values()) for k in ("tp", "fp", "fn")))


def load(path: Path = DATASET, types: Iterable[str] = ENTITY_TYPES) -> list[tuple[str, list[Span]]]:
    """The set's sentences with their gold spans of ``types``."""
    types = frozenset(types)
    rows = json.loads(path.read_text())
    return [
        (
            row["full_text"],
            [
                (s["start_position"], s["end_position"], s["entity_type"])
                for s in row["spans"]
                if s["entity_type"] in types
            ],
        )
        for row in rows
    ]


def tally(
    per_type: dict[str, Counts], gold: list[Span], pred: list[Span], same: Callable[[Span, Span], bool]
) -> None:
    """Count each prediction as a hit on the first unmatched gold span of its type that is ``same``."""
    unmatched = list(gold)
    for p in pred:
        hit = next((g for g in unmatched if g[2] == p[2] and same(g, p)), None)
        if hit is None:
            per_type[p[2]].fp += 1
        else:
            unmatched.remove(hit)
            per_type[p[2]].tp += 1
    for g in unmatched:
        per_type[g[2]].fn += 1


def evaluate(predict: Callable[[str], list[Span]], data: list[tuple[str, list[Span]]]) -> Score:
    score = Score()
    for text, gold in data:
        pred = [p for p in predict(text) if p[2] in ENTITY_TYPES]
        tally(score.overlap, gold, pred, lambda g, p: g[0] < p[1] and p[0] < g[1])
        tally(score.exact, gold, pred, lambda g, p: g[:2] == p[:2])
    return score


def native_predictor() -> Callable[[str], list[Span]]:
    detector = PIIDetector()

    def predict(text: str) -> list[Span]:
        return [(m.start, m.end, m.entity_type) for m in detector.detect(text)]

    return predict


def presidio_predictor() -> Callable[[str], list[Span]]:
    """Presidio's pattern recognizers called directly: no spaCy model, no NLP context enhancement."""
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UsSsnRecognizer,
    )

    from otel_llm.guardrails.detectors.pii import drop_overlaps

    recognizers = [
        r()
        for r in (
            EmailRecognizer,
            PhoneRecognizer,
            CreditCardRecognizer,
            IbanRecognizer,
            UsSsnRecognizer,
            IpRecognizer,
        )
    ]

    def predict(text: str) -> list[Span]:
        found = [
            Match(r.start, r.end, r.entity_type, r.score)
            for recognizer in recognizers
            for r in recognizer.analyze(text, recognizer.supported_entities, None)
        ]
        return [(m.start, m.end, m.entity_type) for m in drop_overlaps(found)]

    return predict


def main() -> None:
    data = load()
    for name, factory in (("otel-llm", native_predictor), ("presidio", presidio_predictor)):
        score = evaluate(factory(), data)
        for kind in ("overlap", "exact"):
            per_type = getattr(score, kind)
            print(name, kind, "ALL", *(f"{v:.3f}" for v in Score.total(per_type).prf()))
            for t, c in per_type.items():
                print("   ", t, c, *(f"{v:.3f}" for v in c.prf()))


if __name__ == "__main__":
    main()
