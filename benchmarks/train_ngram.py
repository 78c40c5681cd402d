"""Shared training for the n-gram logistic-regression text classifiers shipped in the package.

A classifier is word (1-2) and ``char_wb`` TF-IDF n-grams into a logistic regression. Training data is
a list of ``Source``s (see ``guardrails_data.py``). Each source weighs the same in training, whatever
its size, and both classes weigh the same, so that one large set does not decide the model.

Cross-dataset validation: ``leave_one_source_out`` trains once per training source without it and
scores that source, so every figure it gives is on a data set the model never saw. The decision
threshold is calibrated on those held-out scores (``best_f1_threshold``, or ``balanced_threshold``). The
shipped model is then trained on all training sources, pruned to the strongest n-grams and refitted on
them (so the pure-Python scorer reproduces it exactly), and exported as JSON for
``otel_llm.guardrails.ngram_model``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_union
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from guardrails_data import Source
from otel_llm.guardrails.ngram_model import clip, export_pipeline

# words of any length (so a padding of single letters is seen) and runs of punctuation
TOKEN_PATTERN = r"(?u)\w+|[^\w\s]+"


@dataclass(frozen=True)
class Config:
    """Feature and model choices."""

    char_range: tuple[int, int] | None = None  # None: no character n-grams (they cost most at run time)
    word_range: tuple[int, int] = (1, 2)
    token_pattern: str = TOKEN_PATTERN
    min_df: int = 2
    C: float = 10.0
    max_terms: int = 60_000  # n-grams kept in the shipped model (by |weight|)
    max_chars: int = 2048  # longer texts are scored on their first and last max_chars / 2 characters
    boost: tuple[tuple[str, float], ...] = ()  # (source, factor): sources that weigh more than the rest


def vectorizers(config: Config, vocabularies: Sequence[dict[str, int] | None] | None = None) -> list:
    """The TF-IDF blocks: words, then characters if configured."""
    blocks = [{"analyzer": "word", "ngram_range": config.word_range, "token_pattern": config.token_pattern}]
    if config.char_range:
        blocks.append({"analyzer": "char_wb", "ngram_range": config.char_range})
    vocabularies = vocabularies or [None] * len(blocks)
    return [
        TfidfVectorizer(
            **block,
            lowercase=True,
            sublinear_tf=True,
            dtype=np.float32,
            vocabulary=vocabulary,
            min_df=1 if vocabulary else config.min_df,
        )
        for block, vocabulary in zip(blocks, vocabularies, strict=True)
    ]


def pipeline(config: Config, vocabularies: Sequence[dict[str, int] | None] | None = None) -> Pipeline:
    return Pipeline(
        [
            ("features", make_union(*vectorizers(config, vocabularies))),
            ("lr", LogisticRegression(C=config.C, max_iter=2000, solver="liblinear")),
        ]
    )


def dataset(sources: Sequence[Source], config: Config) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts (clipped as the scorer clips them), labels, and weights: each source and class sums alike."""
    texts, labels, weights = [], [], []
    boost = dict(config.boost)
    per_class = {label: sum(boost.get(s.name, 1.0) for s in sources if s.label == label) for label in (0, 1)}
    for source in sources:
        n = len(source.texts)
        texts.extend(clip(t, config.max_chars) for t in source.texts)
        labels.extend([source.label] * n)
        weights.extend([boost.get(source.name, 1.0) / (n * per_class[source.label])] * n)
    weights_array = np.array(weights)
    return texts, np.array(labels), weights_array * len(weights_array) / weights_array.sum()


def fit(sources: Sequence[Source], config: Config) -> Pipeline:
    texts, labels, weights = dataset(sources, config)
    model = pipeline(config)
    with threadpool_limits(1):
        model.fit(texts, labels, lr__sample_weight=weights)
    return model


def prune(model: Pipeline, sources: Sequence[Source], config: Config) -> Pipeline:
    """Refit on the ``max_terms`` n-grams with the largest weights."""
    coef = np.abs(model.named_steps["lr"].coef_[0])
    keep = set(np.argsort(coef)[::-1][: config.max_terms].tolist())
    vocabularies, offset = [], 0
    for _, vectorizer in model.named_steps["features"].transformer_list:
        terms = sorted(t for t, i in vectorizer.vocabulary_.items() if offset + i in keep)
        vocabularies.append({t: j for j, t in enumerate(terms)})
        offset += len(vectorizer.vocabulary_)
    texts, labels, weights = dataset(sources, config)
    pruned = pipeline(config, vocabularies)
    with threadpool_limits(1):
        pruned.fit(texts, labels, lr__sample_weight=weights)
    return pruned


def scores(model: Pipeline, texts: Sequence[str], config: Config) -> np.ndarray:
    return model.predict_proba([clip(t, config.max_chars) for t in texts])[:, 1]


class Counts:
    """Raw n-gram counts of all the training texts, computed once.

    A fold's TF-IDF features are derived from them exactly as ``TfidfVectorizer(min_df=...)`` fitted on
    the fold's training rows would compute them: its vocabulary is the n-grams in at least ``min_df`` of
    those rows, and its idf comes from them. So cross-validation needs no re-tokenising per fold.
    """

    def __init__(self, sources: Sequence[Source], config: Config):
        self.config = config
        self.texts, self.labels, self.weights = dataset(sources, config)
        self.source_of = np.array([s.name for s in sources for _ in s.texts])
        self.blocks = []
        for vectorizer in vectorizers(config):
            counter = CountVectorizer(
                analyzer=vectorizer.analyzer,
                ngram_range=vectorizer.ngram_range,
                token_pattern=vectorizer.token_pattern,
                lowercase=True,
                dtype=np.float32,
            )
            self.blocks.append(counter.fit_transform(self.texts).tocsc())

    def features(self, train: np.ndarray, other: np.ndarray) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        train_blocks, other_blocks = [], []
        for counts in self.blocks:
            train_counts = counts[train]
            df = np.asarray((train_counts > 0).sum(axis=0)).ravel()
            columns = np.flatnonzero(df >= self.config.min_df)
            idf = np.log((1 + len(train)) / (1 + df[columns])) + 1
            for rows, out in ((train_counts, train_blocks), (counts[other], other_blocks)):
                block = rows[:, columns].tocsr()
                block.data = 1 + np.log(block.data)
                out.append(normalize(block @ sparse.diags(idf)))
        return sparse.hstack(train_blocks).tocsr(), sparse.hstack(other_blocks).tocsr()

    def held_out_scores(self, held_out: np.ndarray) -> np.ndarray:
        train = np.flatnonzero(~held_out)
        x_train, x_other = self.features(train, np.flatnonzero(held_out))
        model = LogisticRegression(C=self.config.C, max_iter=2000, solver="liblinear")
        with threadpool_limits(1):
            model.fit(x_train, self.labels[train], sample_weight=self.weights[train])
        return model.predict_proba(x_other)[:, 1]


def leave_one_source_out(
    counts: Counts, group: Callable[[str], str] = lambda name: name
) -> dict[str, np.ndarray]:
    """Scores of each training source from a model trained without it (and without the other sources of
    its ``group``, e.g. the other class of the same data set)."""
    names = list(dict.fromkeys(counts.source_of))
    groups = np.array([group(name) for name in counts.source_of])
    held_out = {}
    for held in dict.fromkeys(group(name) for name in names):
        mask = groups == held
        scores = counts.held_out_scores(mask)
        for name in names:
            if group(name) == held:
                held_out[name] = scores[counts.source_of[mask] == name]
    return held_out


def k_fold_within(
    counts: Counts, names: Sequence[str], folds: int = 5, seed: int = 0
) -> dict[str, np.ndarray]:
    """Scores of the rows of sources ``names`` (e.g. both classes of one data set), each from a model
    trained without its fold of them (all the other sources always train)."""
    rows = np.flatnonzero(np.isin(counts.source_of, names))
    fold_of = np.random.default_rng(seed).permutation(len(rows)) % folds
    result = np.empty(len(rows))
    for fold in range(folds):
        held_out = np.zeros(len(counts.texts), dtype=bool)
        held_out[rows[fold_of == fold]] = True
        result[fold_of == fold] = counts.held_out_scores(held_out)
    return {name: result[counts.source_of[rows] == name] for name in names}


def rates(held_out: dict[str, np.ndarray], sources: Sequence[Source], threshold: float) -> dict[str, float]:
    """Per source: the share flagged at ``threshold`` (recall for positives, FPR for negatives)."""
    return {s.name: float(np.mean(held_out[s.name] >= threshold)) for s in sources if s.name in held_out}


def pooled(held_out: dict[str, np.ndarray], sources: Sequence[Source], threshold: float) -> dict[str, float]:
    """Pooled precision, recall, F1 over sources, each source weighted by its size."""
    tp = sum(int(np.sum(held_out[s.name] >= threshold)) for s in sources if s.label == 1)
    fn = sum(int(np.sum(held_out[s.name] < threshold)) for s in sources if s.label == 1)
    fp = sum(int(np.sum(held_out[s.name] >= threshold)) for s in sources if s.label == 0)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


THRESHOLDS = tuple(round(float(t), 2) for t in np.arange(0.05, 0.96, 0.05))


def best_f1_threshold(held_out: dict[str, np.ndarray], sources: Sequence[Source]) -> float:
    """The threshold with the best pooled F1 on the held-out scores (the calibration)."""
    return max(THRESHOLDS, key=lambda threshold: pooled(held_out, sources, threshold)["f1"])


def balanced_threshold(held_out: dict[str, np.ndarray], sources: Sequence[Source]) -> float:
    """The threshold with the largest TPR - FPR on the held-out scores (Youden's J): for sets where the
    best F1 would flag nearly everything."""

    scores = {
        label: np.concatenate([held_out[s.name] for s in sources if s.label == label]) for label in (0, 1)
    }

    def youden(threshold: float) -> float:
        return float(np.mean(scores[1] >= threshold) - np.mean(scores[0] >= threshold))

    return max(THRESHOLDS, key=youden)


def export(model: Pipeline, config: Config, threshold: float) -> dict:
    data = export_pipeline(model, threshold)
    data["max_chars"] = config.max_chars
    return data


def dataset_of(source_name: str) -> str:
    """The data set a source belongs to: the part of its name before the first ``-``."""
    return source_name.split("-")[0]


@dataclass
class Validation:
    held_out: dict[str, np.ndarray]  # per source: scores from a model trained without its data set
    within: dict[str, np.ndarray]  # per source: 5-fold scores within its data set (the others train)
    threshold: float
    seconds: float


Calibration = Callable[[dict[str, np.ndarray], Sequence[Source]], float]


def validate_across_datasets(
    sources: Sequence[Source], config: Config, calibrate: Calibration = best_f1_threshold
) -> Validation:
    """Hold out one whole data set at a time (all its sources), score 5-fold within each data set, and
    calibrate the threshold on the held-out scores."""
    start = time.perf_counter()
    counts = Counts(sources, config)
    held_out = leave_one_source_out(counts, dataset_of)
    within: dict[str, np.ndarray] = {}
    for dataset in dict.fromkeys(dataset_of(s.name) for s in sources):
        within.update(k_fold_within(counts, [s.name for s in sources if dataset_of(s.name) == dataset]))
    threshold = calibrate(held_out, sources)
    return Validation(held_out, within, threshold, time.perf_counter() - start)


def train_and_write(sources: Sequence[Source], config: Config, validation: Validation, output: Path) -> None:
    """Train on all ``sources``, prune, and write the model with the calibrated threshold; print the
    validation figures of each data set."""
    model = prune(fit(sources, config), sources, config)
    exported = export(model, config, validation.threshold)
    output.write_text(json.dumps(exported, separators=(",", ":"), ensure_ascii=False))
    print(f"threshold {validation.threshold}; wrote {output} ({output.stat().st_size // 1024} KiB)")
    for name in dict.fromkeys(dataset_of(s.name) for s in sources):
        group = [s for s in sources if dataset_of(s.name) == name]
        for kind, scores in (("held out", validation.held_out), ("5-fold", validation.within)):
            figures = pooled(scores, group, validation.threshold)
            print(name, kind, {k: round(v, 3) for k, v in figures.items()})
