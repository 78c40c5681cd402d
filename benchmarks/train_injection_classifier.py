"""Train the prompt-injection classifier shipped in otel_llm/guardrails/models/prompt_injection.json.

Character (char_wb 2-5) and word (1-2) TF-IDF n-grams into a class-balanced logistic regression.
Positives and negatives come from deepset/prompt-injections (train split). More negatives come from
half of each of three benign sets: GSM8K questions, presidio-research's synthetic sentences and
surge-ai's comments. These teach the model that long or informal text is not an attack. Without them
it flags about half of GSM8K's questions. The other halves are held out to measure over-blocking.

``--cv`` reports stratified 5-fold cross-validation on deepset, repeated over several shuffles. The
benign negatives join the training folds only. The model is exported as vocabulary + idf + weights,
so scoring needs no scikit-learn.

    .venv/bin/python benchmarks/train_injection_classifier.py --cv
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_union

from otel_llm.guardrails.ngram_model import export_pipeline

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
DATASET = DATASETS / "prompt_injection_deepset_train.jsonl"
OUTPUT = ROOT / "src" / "otel_llm" / "guardrails" / "models" / "prompt_injection.json"
THRESHOLD = 0.5
SEEDS = (0, 1, 2, 3, 4)
SPLIT_SEED = 0


def load(path: Path = DATASET) -> tuple[list[str], np.ndarray]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r["text"] for r in rows], np.array([int(r["label"]) for r in rows])


def benign_sets(datasets: Path = DATASETS) -> dict[str, list[str]]:
    """Texts that are not injections, by source."""
    with (datasets / "toxicity_surge_en.csv").open(newline="") as f:
        comments = [row["text"] for row in csv.DictReader(f)]
    return {
        "gsm8k questions": [json.loads(line)["question"] for line in (datasets / "gsm8k_test.jsonl").open()],
        "PII sentences": [
            row["full_text"] for row in json.loads((datasets / "pii_presidio_synth_v2.json").read_text())
        ],
        "surge comments": comments,
    }


def split_benign(sets: dict[str, list[str]]) -> tuple[list[str], dict[str, list[str]]]:
    """Half of each set (fixed shuffle) for training, the other halves held out by name."""
    rng = np.random.default_rng(SPLIT_SEED)
    train: list[str] = []
    held_out: dict[str, list[str]] = {}
    for name, texts in sets.items():
        order = rng.permutation(len(texts))
        half = len(texts) // 2
        train += [texts[i] for i in order[:half]]
        held_out[name] = [texts[i] for i in order[half:]]
    return train, held_out


def build_pipeline() -> Pipeline:
    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2),
    )
    classifier = LogisticRegression(C=30, class_weight="balanced", max_iter=5000)
    return Pipeline([("features", features), ("lr", classifier)])


def fit(texts: list[str], labels: np.ndarray, negatives: list[str]) -> Pipeline:
    return build_pipeline().fit(texts + negatives, np.concatenate([labels, np.zeros(len(negatives), int)]))


def cross_validate(texts: list[str], labels: np.ndarray, negatives: list[str]) -> dict[str, float]:
    """Mean precision/recall/F1 on deepset of stratified 5-fold CV over ``SEEDS`` shuffles.

    ``negatives`` are added to every training fold, never to a test fold.
    """
    scores = []
    for seed in SEEDS:
        proba = np.zeros(len(labels))
        for train, test in StratifiedKFold(n_splits=5, shuffle=True, random_state=seed).split(texts, labels):
            model = fit([texts[i] for i in train], labels[train], negatives)
            proba[test] = model.predict_proba([texts[i] for i in test])[:, 1]
        scores.append(precision_recall_fscore_support(labels, proba >= THRESHOLD, average="binary")[:3])
    precision, recall, f1 = np.mean(scores, axis=0)
    return {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "f1_min": float(min(s[2] for s in scores)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="report cross-validated precision/recall/F1")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    texts, labels = load()
    negatives, _ = split_benign(benign_sets())
    if args.cv:
        print(json.dumps(cross_validate(texts, labels, negatives), indent=2))
    model = export_pipeline(fit(texts, labels, negatives), THRESHOLD)
    model["trained_on"] = (
        "deepset/prompt-injections train split (546 rows) + half of GSM8K test questions, presidio-research "
        "synth_dataset_v2 sentences and surge-ai toxicity comments as negatives; "
        "benchmarks/train_injection_classifier.py"
    )
    args.output.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")))
    print(f"wrote {args.output} ({args.output.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
