"""Train the prompt-injection classifier shipped in otel_llm/guardrails/models/prompt_injection.json.

Word (1-2)-gram TF-IDF into a logistic regression (``train_ngram``), trained on the ``train`` sources of
``guardrails_data.INJECTION_SOURCES``: nine attack sets (injections, "Access Granted" hijacks and
padding, extraction, DAN and in-the-wild jailbreaks, jailbreak templates, JailbreakBench artifacts) and
seven benign sets (questions, persona set-ups, system prompts, instructions, task prompts, and
social-media tweets and statements about groups, abusive or not: insults are not injections). No split
that its publisher calls test or validation is trained on.

The threshold is calibrated on held-out data sets: each training source is scored by a model trained
on all the others (leave one source out), and the threshold with the best pooled F1 on those scores
is stored in the model file. Deepset counts four times in training (its style is the benchmark's).

    .venv/bin/python benchmarks/train_injection_classifier.py     # about a minute; writes the model
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import train_ngram
from guardrails_data import INJECTION_SOURCES, Source
from train_ngram import Config

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "otel_llm" / "guardrails" / "models" / "prompt_injection.json"
CONFIG = Config(word_range=(1, 2), C=10.0, boost=(("deepset-injections", 4.0), ("deepset-benign", 4.0)))
TRAIN: tuple[Source, ...] = tuple(s for s in INJECTION_SOURCES if s.role == "train")
EVAL: tuple[Source, ...] = tuple(s for s in INJECTION_SOURCES if s.role == "eval")
DEEPSET = ("deepset-injections", "deepset-benign")


@dataclass
class Validation:
    """Cross-dataset validation of one configuration."""

    held_out: dict[str, np.ndarray]  # per training source: its scores from a model trained without it
    deepset: dict[str, np.ndarray]  # per deepset source: 5-fold scores (the other sources always train)
    threshold: float  # calibrated on ``held_out``
    seconds: float


def validate(config: Config = CONFIG) -> Validation:
    start = time.perf_counter()
    counts = train_ngram.Counts(TRAIN, config)
    held_out = train_ngram.leave_one_source_out(counts)
    deepset = train_ngram.k_fold_within(counts, DEEPSET)
    threshold = train_ngram.best_f1_threshold(held_out, TRAIN)
    return Validation(held_out, deepset, threshold, time.perf_counter() - start)


def train(config: Config = CONFIG, threshold: float | None = None) -> dict:
    """The exported model: trained on all training sources, pruned, with the calibrated threshold."""
    if threshold is None:
        threshold = validate(config).threshold
    model = train_ngram.prune(train_ngram.fit(TRAIN, config), TRAIN, config)
    return train_ngram.export(model, config, threshold)


def main() -> None:
    validation = validate()
    exported = train(threshold=validation.threshold)
    OUTPUT.write_text(json.dumps(exported, separators=(",", ":"), ensure_ascii=False))
    print(f"threshold {validation.threshold}; wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
