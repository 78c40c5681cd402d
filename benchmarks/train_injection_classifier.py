"""Train the prompt-injection classifier shipped in otel_llm/guardrails/models/prompt_injection.json.

Character (char_wb 2-5) and word (1-2) TF-IDF n-grams into a class-balanced logistic regression, trained
on deepset/prompt-injections (train split). ``--cv`` reports stratified 5-fold cross-validation, repeated
over several shuffles. Exported as vocabulary + idf + weights so that scoring needs no scikit-learn.

    .venv/bin/python benchmarks/train_injection_classifier.py --cv
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_union

from otel_llm.guardrails.ngram_model import export_pipeline

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT.parent / "shared" / "datasets" / "prompt_injection_deepset_train.jsonl"
OUTPUT = ROOT / "src" / "otel_llm" / "guardrails" / "models" / "prompt_injection.json"
THRESHOLD = 0.5
SEEDS = (0, 1, 2, 3, 4)


def load(path: Path = DATASET) -> tuple[list[str], np.ndarray]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r["text"] for r in rows], np.array([int(r["label"]) for r in rows])


def build_pipeline() -> Pipeline:
    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2),
    )
    return Pipeline(
        [("features", features), ("lr", LogisticRegression(C=10, class_weight="balanced", max_iter=5000))]
    )


def cross_validate(texts: list[str], labels: np.ndarray) -> dict[str, float]:
    """Mean precision/recall/F1 of stratified 5-fold CV over ``SEEDS`` shuffles (threshold 0.5)."""
    scores = []
    for seed in SEEDS:
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
        proba = cross_val_predict(build_pipeline(), texts, labels, cv=folds, method="predict_proba")[:, 1]
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
    if args.cv:
        print(json.dumps(cross_validate(texts, labels), indent=2))
    pipeline = build_pipeline().fit(texts, labels)
    model = export_pipeline(pipeline, THRESHOLD)
    model["trained_on"] = (
        "deepset/prompt-injections train split (546 rows); benchmarks/train_injection_classifier.py"
    )
    args.output.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")))
    print(f"wrote {args.output} ({args.output.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
