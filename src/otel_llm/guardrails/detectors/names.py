"""Person names: a linear-chain CRF over word tokens (python-crfsuite), trained on public NER corpora.

The model (``models/person_names.crfsuite``) is written by ``benchmarks/train_name_tagger.py``; the
features below are the ones it was trained on, so both import them from here.
"""

from __future__ import annotations

import json
import re
import threading
from functools import cache
from typing import Any

from otel_llm.guardrails.detectors.base import Detector, register
from otel_llm.guardrails.ngram_model import MODELS_DIR
from otel_llm.guardrails.results import Match

PERSON = "PERSON"
NAME, ENTITY, OTHER = "N", "E", "O"  # a person's name, another named entity, anything else
MODEL_FILE = MODELS_DIR / "person_names.crfsuite"
SETTINGS_FILE = MODELS_DIR / "person_names.json"
"""The calibrated threshold, and the given names and surnames of the US Census Bureau's 1990 name files
(public domain), lower-cased."""
MAX_CHARS = 32_768
"""Characters tagged per text: the first and last ``MAX_CHARS // 2`` of a longer one (bounds the time)."""
MAX_TOKENS = 4_096
"""Tokens tagged per part (the whole text, or each end of a longer one): its first and last
``MAX_TOKENS // 2`` where it has more (a text of single-character tokens)."""

TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+|[^\w\s]")
_SENTENCE_END = frozenset('.!?:;"“”\n')
_SHAPE = str.maketrans(
    {
        **{c: "X" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
        **{c: "x" for c in "abcdefghijklmnopqrstuvwxyz"},
        **{c: "d" for c in "0123456789"},
    }
)


def shape(word: str) -> str:
    """Letter case and digits with repeats collapsed: ``McDonald`` -> ``XxXx``, ``O'Neil`` -> ``X'Xx``."""
    if not word.isascii():
        word = "".join("X" if c.isupper() else "x" if c.islower() else c for c in word)
    mapped = word.translate(_SHAPE)
    return "".join(c for i, c in enumerate(mapped) if i == 0 or c != mapped[i - 1])


@cache
def _settings() -> dict[str, Any]:
    return json.loads(SETTINGS_FILE.read_text())


@cache
def lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """Given names and surnames."""
    return frozenset(_settings()["given"]), frozenset(_settings()["surnames"])


def features(tokens: list[str], starts_sentence: list[bool]) -> list[list[str]]:
    """CRF features of each token: the word, its affixes and shape, whether it is a known given name or
    surname, and its neighbours'."""
    given, surnames = lexicon()
    lowered = [t.lower() for t in tokens]
    known = [("g" if w in given else "") + ("s" if w in surnames else "") for w in lowered]
    padded_known = ["", *known, ""]
    shapes = [shape(t) for t in tokens]
    padded_words = ["<s>", "<s>", *lowered, "</s>", "</s>"]
    padded_shapes = ["<s>", "<s>", *shapes, "</s>", "</s>"]
    rows: list[list[str]] = []
    for i, word in enumerate(lowered):
        j = i + 2
        row = [
            "b",
            "w=" + word,
            "s3=" + word[-3:],
            "s2=" + word[-2:],
            "p2=" + word[:2],
            "sh=" + shapes[i],
            "w-1=" + padded_words[j - 1],
            "w+1=" + padded_words[j + 1],
            "w-2=" + padded_words[j - 2],
            "w+2=" + padded_words[j + 2],
            "sh-1=" + padded_shapes[j - 1],
            "sh+1=" + padded_shapes[j + 1],
            "sh-1|0|+1=" + "|".join(padded_shapes[j - 1 : j + 2]),
        ]
        if starts_sentence[i]:
            row.append("first")
        if known[i]:
            row += ["lex=" + known[i], f"lex={known[i]}|{shapes[i][:2]}"]
        if padded_known[i]:
            row.append("lex-1=" + padded_known[i])
        if padded_known[i + 2]:
            row.append("lex+1=" + padded_known[i + 2])
        rows.append(row)
    return rows


def tokenize(text: str) -> tuple[list[tuple[int, int]], list[str], list[bool]]:
    """Token spans, texts and whether each begins a sentence (first token, or after ``.!?:;`` or a quote)."""
    spans: list[tuple[int, int]] = []
    words: list[str] = []
    first: list[bool] = []
    previous, previous_end = "\n", 0
    for m in TOKEN.finditer(text):
        word = m.group()
        first.append(previous in _SENTENCE_END or "\n" in text[previous_end : m.start()])
        spans.append(m.span())
        words.append(word)
        previous, previous_end = word, m.end()
    return spans, words, first


_TAGGING = threading.Lock()
_LETTER = re.compile(r"[^\W\d_]")


@cache
def _tagger(path: str) -> Any:
    try:
        import pycrfsuite
    except ImportError as error:  # pragma: no cover - depends on the installed extras
        raise ImportError(
            "the person_name detector needs python-crfsuite: pip install 'otel-llm[guardrails-ner]'"
        ) from error
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    return tagger


@register
class PersonNameDetector(Detector):
    """People's names in free text; each name's score is the mean probability of its tokens.

    Opt-in (the ``guardrails-ner`` extra): the CRF costs about a millisecond per 2 KB of text.
    """

    name = "person_name"
    category = "pii"

    def __init__(self, threshold: float | None = None, model: str | None = None):
        self.threshold = float(_settings()["threshold"] if threshold is None else threshold)
        if not 0 < self.threshold <= 1:
            raise ValueError(f"person_name threshold must be in (0, 1], not {threshold!r}")
        self._path = str(model or MODEL_FILE)
        _tagger(self._path)  # fail at policy load, not at the first call

    def detect(self, text: str) -> list[Match]:
        if not _LETTER.search(text):
            return []
        half = MAX_CHARS // 2
        parts = (
            [(text, 0)] if len(text) <= MAX_CHARS else [(text[:half], 0), (text[-half:], len(text) - half)]
        )
        found: list[Match] = []
        for part, offset in parts:
            spans, words, first = tokenize(part)
            cut = MAX_TOKENS // 2
            pieces = [slice(None)] if len(words) <= MAX_TOKENS else [slice(None, cut), slice(-cut, None)]
            for piece in pieces:
                probabilities = name_probabilities(_tagger(self._path), words[piece], first[piece])
                found += [
                    Match(m.start + offset, m.end + offset, m.entity_type, m.score)
                    for m in name_runs(spans[piece], words[piece], probabilities, self.threshold)
                ]
        return found


def name_probabilities(tagger: Any, words: list[str], first: list[bool]) -> list[float]:
    """Each token's probability of being part of a person's name."""
    items = features(words, first)
    with _TAGGING:  # a tagger holds the sequence set last, for ``marginal``
        tagger.set(items)
        return [tagger.marginal(NAME, k) for k in range(len(items))]


def name_runs(
    spans: list[tuple[int, int]], words: list[str], probabilities: list[float], threshold: float
) -> list[Match]:
    """Runs of tokens whose probability reaches ``threshold`` (above 0), trimmed to start and end with a
    word; each scored with its tokens' mean probability."""
    found: list[Match] = []
    run: list[int] = []
    for k, probability in enumerate([*probabilities, 0.0]):
        if probability >= threshold:  # never the sentinel
            run.append(k)
            continue
        while run and not words[run[-1]][0].isalpha():
            run.pop()
        while run and not words[run[0]][0].isalpha():
            run.pop(0)
        if run:
            score = sum(probabilities[i] for i in run) / len(run)
            found.append(Match(spans[run[0]][0], spans[run[-1]][1], PERSON, round(score, 3)))
            run = []
    return found
