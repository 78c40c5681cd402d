"""Train the person-name tagger shipped in otel_llm/guardrails/models/person_names.{crfsuite,json}.

A linear-chain CRF (python-crfsuite, L-BFGS with L1 and L2 penalties) over the features of
``otel_llm.guardrails.detectors.names``, trained on the ``train`` corpora of ``guardrails_names.CORPORA``:
Wikipedia articles (wikigold) and social-media posts (WNUT-17's train split, the Broad Twitter Corpus
without its section H). The SEC filings of the same NER collection are not used: they tag parties' roles
("Borrower") as persons. Tokens are labelled as part of a person's name,
of another named entity, or neither. Each sentence with a name is also trained on once more per
``AUGMENT``, its names replaced by random ones of the lexicon (the US Census 1990 name files and Faker's
name lists of 86 locales), so that the model learns names from their context and shape rather than by
heart.

Cross-dataset validation holds out one training corpus at a time; the threshold with the best pooled F1
on those held-out corpora is stored in the settings file. The ``eval`` corpora (WNUT-17 test, BTC
section H) and presidio-research's synthetic PII sentences are never trained on, only measured.

    .venv/bin/python benchmarks/train_name_tagger.py     # a few minutes; writes the model
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import pkgutil
import random
import tempfile
import time
from importlib import resources
from pathlib import Path

import faker.providers.person
import pycrfsuite

from guardrails_names import CORPORA, Corpus, Sentence, corpus_rows, score_spans, training_items
from guardrails_pii import Counts
from otel_llm.guardrails.detectors import names
from otel_llm.guardrails.detectors.names import MODEL_FILE, NAME, SETTINGS_FILE, lexicon

PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 100, "feature.minfreq": 2}
AUGMENT = 1
THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7)
TRAIN = [c for c in CORPORA if c.role == "train"]


def census_names() -> dict[str, list[str]]:
    """The US Census Bureau's 1990 name files as the ``names`` package (MIT; the data public domain)
    ships them: every given name (male and female) and surname, lower-cased."""
    files = resources.files("names")

    def read(*paths: str) -> list[str]:
        return sorted(
            {
                line.split()[0].lower()
                for p in paths
                for line in files.joinpath(p).read_text().splitlines()
                if line
            }
        )

    return {"given": read("dist.male.first", "dist.female.first"), "surnames": read("dist.all.last")}


def faker_names() -> dict[str, list[str]]:
    """The given names and surnames of Faker's person providers (MIT) in every locale, where written in
    Latin script, lower-cased: the census lists are American, people's names are not."""
    given: set[str] = set()
    surnames: set[str] = set()
    for module in pkgutil.iter_modules(faker.providers.person.__path__):
        provider = getattr(importlib.import_module(f"faker.providers.person.{module.name}"), "Provider", None)
        for attribute, into in (
            ("first_names", given),
            ("first_names_male", given),
            ("first_names_female", given),
            ("last_names", surnames),
        ):
            listed = vars(provider).get(attribute) if provider else None
            if isinstance(listed, dict | tuple | list):
                into.update(
                    word
                    for name in listed
                    for word in str(name).lower().split()
                    if word.isalpha() and all(ord(c) < 0x250 for c in word)
                )
    return {"given": sorted(given), "surnames": sorted(surnames)}


def write_settings(threshold: float) -> None:
    census, other = census_names(), faker_names()
    lexicon_lists = {key: sorted({*census[key], *other[key]}) for key in census}
    SETTINGS_FILE.write_text(json.dumps({"threshold": threshold, **lexicon_lists}, separators=(",", ":")))
    names._settings.cache_clear()
    lexicon.cache_clear()


def renamed(sentence: Sentence, rng: random.Random) -> Sentence:
    """The sentence with each name replaced by a random given name and up to two random surnames."""
    given, surnames = (sorted(s) for s in lexicon())
    out: Sentence = []
    i = 0
    while i < len(sentence):
        if sentence[i][1] != NAME:
            out.append(sentence[i])
            i += 1
            continue
        j = i
        while j < len(sentence) and sentence[j][1] == NAME:
            j += 1
        words = [rng.choice(given)] + [rng.choice(surnames) for _ in range(min(j - i, 3) - 1)]
        out.extend((w.title(), NAME) for w in words)
        i = j
    return out


def train(corpora: list[Corpus], path: Path) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    rng = random.Random(0)
    for corpus in corpora:
        for sentence in corpus.sentences():
            trainer.append(*training_items(sentence))
            if any(label == NAME for _, label in sentence):
                for _ in range(AUGMENT):
                    trainer.append(*training_items(renamed(sentence, rng)))
    trainer.set_params(PARAMS)
    trainer.train(str(path))


def scored_rows(path: Path, rows: list[tuple[str, list[tuple[int, int]]]]) -> list[tuple]:
    """Each row with its tokens and their probabilities, to be cut at any threshold."""
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    out = []
    for text, gold in rows:
        spans, words, first = names.tokenize(text)
        out.append((text, gold, spans, words, names.name_probabilities(tagger, words, first)))
    return out


def counts_at(scored: list[tuple], threshold: float) -> Counts:
    cut = {
        text: [(m.start, m.end) for m in names.name_runs(s, w, p, threshold)] for text, _, s, w, p in scored
    }
    return score_spans(lambda text: cut[text], [(text, gold) for text, gold, *_ in scored])


def pooled(counts: list[Counts]) -> Counts:
    return Counts(*(sum(getattr(c, k) for c in counts) for k in ("tp", "fp", "fn")))


def _held_out(name: str) -> dict[float, Counts]:
    """Counts by threshold on the training corpus ``name``, tagged by a model trained on the others."""
    start = time.perf_counter()
    corpus = next(c for c in TRAIN if c.name == name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.crfsuite"
        train([c for c in TRAIN if c is not corpus], path)
        scored = scored_rows(path, corpus_rows(corpus))
    print(f"held out {name}: {time.perf_counter() - start:.0f} s", flush=True)
    return {t: counts_at(scored, t) for t in THRESHOLDS}


def validate() -> tuple[float, dict[str, dict[float, Counts]]]:
    """Held-out counts per training corpus and threshold (two corpora at a time, one per process), and the
    threshold with the best pooled F1."""
    with multiprocessing.Pool(2) as pool:
        held_out = dict(zip([c.name for c in TRAIN], pool.map(_held_out, [c.name for c in TRAIN])))
    totals = {t: pooled([c[t] for c in held_out.values()]) for t in THRESHOLDS}
    best = max(THRESHOLDS, key=lambda t: totals[t].prf()[2])
    return best, held_out


def main() -> None:
    write_settings(0.5)  # the lexicon, for training; the threshold is calibrated below
    threshold, held_out = validate()
    for name, by_threshold in held_out.items():
        print(
            name,
            *(f"{t}: {' '.join(f'{v:.3f}' for v in c.prf())}" for t, c in by_threshold.items()),
            sep="\n  ",
        )
    start = time.perf_counter()
    train(TRAIN, MODEL_FILE)
    write_settings(threshold)
    print(
        f"threshold {threshold}; trained on all in {time.perf_counter() - start:.0f} s: {MODEL_FILE} "
        f"({MODEL_FILE.stat().st_size / 1024:.0f} KiB)"
    )


if __name__ == "__main__":
    main()
