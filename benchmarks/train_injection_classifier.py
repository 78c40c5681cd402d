"""Train the prompt-injection classifier shipped in otel_llm/guardrails/models/prompt_injection.json.

Character (char_wb 2-5) and word (1-2) TF-IDF n-grams into a class-balanced logistic regression.
Positives and negatives come from deepset/prompt-injections (train split). More negatives come from
half of each of three benign sets: GSM8K questions, presidio-research's synthetic sentences and
surge-ai's comments. These teach the model that long or informal text is not an attack. Without them
it flags about half of GSM8K's questions. The other halves are held out to measure over-blocking.

The training set is augmented: each injection is also joined to a random benign text (before or after
it), because an injection hidden in ordinary text is still one. This gives back the recall that the
benign negatives cost. How many such copies, the regularisation C and the decision threshold are
chosen by an inner cross-validation on the training data (``select``).

``--cv`` reports nested cross-validation on deepset: stratified 5-fold, repeated over several
shuffles; in each outer fold the inner selection sees the training folds only, and the benign
negatives and augmented copies join the training folds only. The model is exported as vocabulary +
idf + weights, so scoring needs no scikit-learn.

    .venv/bin/python benchmarks/train_injection_classifier.py --cv
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline, make_union
from threadpoolctl import threadpool_limits

from otel_llm.guardrails.ngram_model import export_pipeline

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
DATASET = DATASETS / "prompt_injection_deepset_train.jsonl"
OUTPUT = ROOT / "src" / "otel_llm" / "guardrails" / "models" / "prompt_injection.json"
SEEDS = (0, 1, 2, 3, 4)
SPLIT_SEED = 0
INNER_FOLDS = 3
# the candidates the inner cross-validation chooses from
COPIES = (0, 2)
CS = (10.0, 30.0, 100.0)
THRESHOLDS = tuple(round(float(t), 2) for t in np.arange(0.3, 0.71, 0.05))


@dataclass(frozen=True)
class Params:
    """Training choices: augmented copies per injection, regularisation C, decision threshold."""

    copies: int
    C: float
    threshold: float = 0.5


PREVIOUS = Params(copies=0, C=30.0, threshold=0.5)  # the fixed choice before the inner selection


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


def build_features() -> FeatureUnion:
    return make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2),
    )


def build_classifier(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight="balanced", max_iter=5000)


def augment(
    texts: list[str], labels: np.ndarray, negatives: list[str], copies: int, seed: int = 0
) -> list[str]:
    """``copies`` new injections per injection in ``texts``: it joined to a random benign text.

    The benign text (a deepset negative or one of ``negatives``) goes before or after it at random.
    """
    rng = np.random.default_rng(seed)
    benign = [t for t, label in zip(texts, labels, strict=True) if not label] + negatives
    extra = []
    for text in (t for t, label in zip(texts, labels, strict=True) if label):
        for _ in range(copies):
            other = benign[rng.integers(len(benign))]
            extra.append(f"{other} {text}" if rng.random() < 0.5 else f"{text} {other}")
    return extra


def training_set(
    texts: list[str], labels: np.ndarray, negatives: list[str], copies: int
) -> tuple[list[str], np.ndarray]:
    extra = augment(texts, labels, negatives, copies)
    y = np.concatenate([labels, np.zeros(len(negatives), int), np.ones(len(extra), int)])
    return texts + negatives + extra, y


def fit(texts: list[str], labels: np.ndarray, negatives: list[str], params: Params = PREVIOUS) -> Pipeline:
    x, y = training_set(texts, labels, negatives, params.copies)
    return Pipeline([("features", build_features()), ("lr", build_classifier(params.C))]).fit(x, y)


def select(texts: list[str], labels: np.ndarray, negatives: list[str], seed: int = 0) -> Params:
    """The candidate (copies, C, threshold) with the best F1 under an inner cross-validation on ``texts``.

    Each inner training fold gets ``negatives`` and its own augmented copies; ties go to the threshold
    nearest 0.5, then to fewer copies and a smaller C.
    """
    scores = {(copies, c): np.zeros(len(labels)) for copies, c in product(COPIES, CS)}
    folds = StratifiedKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=seed)
    for train, test in folds.split(texts, labels):
        fold_texts = [texts[i] for i in train]
        test_texts = [texts[i] for i in test]
        for copies in COPIES:
            x, y = training_set(fold_texts, labels[train], negatives, copies)
            features = build_features()
            matrix = features.fit_transform(x)
            test_matrix = features.transform(test_texts)
            for c in CS:
                classifier = build_classifier(c).fit(matrix, y)
                scores[copies, c][test] = classifier.predict_proba(test_matrix)[:, 1]
    candidates = [
        (f1_score(labels, scores[copies, c] >= threshold), -abs(threshold - 0.5), -copies, -c, threshold)
        for (copies, c), threshold in product(scores, THRESHOLDS)
    ]
    _, _, copies, c, threshold = max(candidates)
    return Params(-copies, -c, threshold)


def cross_validate(
    texts: list[str], labels: np.ndarray, negatives: list[str], params: Params | None = None
) -> dict[str, object]:
    """Mean precision/recall/F1 on deepset of stratified 5-fold CV over ``SEEDS`` shuffles.

    With ``params`` every fold uses them; without, each outer fold chooses its own by ``select`` on its
    training folds (nested CV). ``negatives`` join the training folds only, never a test fold.
    """
    scores = []
    chosen: Counter[Params] = Counter()
    with threadpool_limits(1):  # OpenMP threads only wait on each other for models this small
        for seed in SEEDS:
            predicted = np.zeros(len(labels), bool)
            for train, test in StratifiedKFold(n_splits=5, shuffle=True, random_state=seed).split(
                texts, labels
            ):
                fold_texts = [texts[i] for i in train]
                fold_params = params or select(fold_texts, labels[train], negatives, seed)
                chosen[fold_params] += 1
                model = fit(fold_texts, labels[train], negatives, fold_params)
                predicted[test] = model.predict_proba([texts[i] for i in test])[:, 1] >= fold_params.threshold
            scores.append(precision_recall_fscore_support(labels, predicted, average="binary")[:3])
    precision, recall, f1 = np.mean(scores, axis=0)
    return {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "f1_min": float(min(s[2] for s in scores)),
        "chosen": chosen,
    }


def train(texts: list[str], labels: np.ndarray, negatives: list[str]) -> tuple[Pipeline, Params]:
    """The shipped model: parameters chosen by ``select`` on all of deepset, then fitted on all of it."""
    with threadpool_limits(1):
        params = select(texts, labels, negatives)
        return fit(texts, labels, negatives, params), params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="report nested cross-validated precision/recall/F1")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    texts, labels = load()
    negatives, _ = split_benign(benign_sets())
    if args.cv:
        scores = cross_validate(texts, labels, negatives)
        chosen = scores.pop("chosen")
        print(json.dumps(scores, indent=2))
        print("chosen per outer fold:", dict(chosen.most_common()))
    pipeline, params = train(texts, labels, negatives)
    model = export_pipeline(pipeline, params.threshold)
    model["trained_on"] = (
        "deepset/prompt-injections train split (546 rows) + half of GSM8K test questions, presidio-research "
        "synth_dataset_v2 sentences and surge-ai toxicity comments as negatives, "
        f"{params.copies} augmented copies per injection, C={params.C:g}; "
        "benchmarks/train_injection_classifier.py"
    )
    args.output.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")))
    print(f"chose {params}; wrote {args.output} ({args.output.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
