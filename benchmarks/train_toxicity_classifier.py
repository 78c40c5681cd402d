"""Train the toxicity classifier shipped in otel_llm/guardrails/models/toxicity.json.

Word (1-2)-gram TF-IDF into a logistic regression (``train_ngram``), trained on three public
offensive-language sets (``guardrails_data.TOXICITY_SOURCES``): Davidson et al.'s tweets (hate speech
or offensive against neither), ToxiGen's implicitly hateful and neutral statements about groups (hate
without swear words), and surge-ai's toxic and non-toxic comments (its non-toxic side keeps friendly
swearing). Profanity alone is not what it flags: that is the ``profanity`` detector's category.

Cross-dataset validation holds out one whole data set at a time (both its classes); the threshold
with the best pooled F1 on those held-out scores is stored in the model file.

    .venv/bin/python benchmarks/train_toxicity_classifier.py     # under a minute; writes the model
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import train_ngram
from guardrails_data import TOXICITY_SOURCES
from train_ngram import Config

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "otel_llm" / "guardrails" / "models" / "toxicity.json"
CONFIG = Config(word_range=(1, 2), C=10.0, max_terms=40_000)
TRAIN = TOXICITY_SOURCES


def dataset_of(source_name: str) -> str:
    return source_name.split("-")[0]


DATASETS = tuple(dict.fromkeys(dataset_of(s.name) for s in TRAIN))


@dataclass
class Validation:
    held_out: dict[str, np.ndarray]  # per source: scores from a model trained without its data set
    within: dict[str, np.ndarray]  # per source: 5-fold scores within its data set (the others train)
    threshold: float
    seconds: float


def validate(config: Config = CONFIG) -> Validation:
    start = time.perf_counter()
    counts = train_ngram.Counts(TRAIN, config)
    held_out = train_ngram.leave_one_source_out(counts, dataset_of)
    within: dict[str, np.ndarray] = {}
    for dataset in DATASETS:
        within.update(
            train_ngram.k_fold_within(counts, [s.name for s in TRAIN if dataset_of(s.name) == dataset])
        )
    threshold = train_ngram.best_f1_threshold(held_out, TRAIN)
    return Validation(held_out, within, threshold, time.perf_counter() - start)


def main() -> None:
    validation = validate()
    model = train_ngram.prune(train_ngram.fit(TRAIN, CONFIG), TRAIN, CONFIG)
    exported = train_ngram.export(model, CONFIG, validation.threshold)
    OUTPUT.write_text(json.dumps(exported, separators=(",", ":"), ensure_ascii=False))
    print(f"threshold {validation.threshold}; wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KiB)")
    for name in DATASETS:
        sources = [s for s in TRAIN if dataset_of(s.name) == name]
        for kind, scores in (("held out", validation.held_out), ("5-fold", validation.within)):
            figures = train_ngram.pooled(scores, sources, validation.threshold)
            print(name, kind, {k: round(v, 3) for k, v in figures.items()})


if __name__ == "__main__":
    main()
