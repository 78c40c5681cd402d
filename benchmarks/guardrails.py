"""Measure the guardrail detectors on the shared datasets and write the results into docs/guardrails.md.

    nice .venv/bin/python benchmarks/guardrails.py     # a few minutes on 2 cores

Quality: PII (ours vs Presidio's pattern recognizers), prompt injection (cross-dataset validation), toxicity
(cross-dataset validation; OLID's test tweets and HateCheck's functional tests, never trained on),
secrets false positives, XSTest over-blocking with ``Policy.default()``. Latency: p50/p95 per detector,
and all pattern-class checks together on a 2 KB prompt, bare and through the engine with telemetry.
"""

from __future__ import annotations

import csv
import os
import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

import guardrails_names
import guardrails_pii  # sibling script: benchmarks/ is on sys.path when this file runs
import stereotype_data
import train_injection_classifier
import train_name_tagger
import train_ngram
import train_stereotype_classifier
import train_toxicity_classifier
from guardrails_data import (
    HATECHECK_ORIGIN,
    INJECTION_SOURCES,
    OLID_ORIGIN,
    SHARED,
    TOXICITY_SOURCES,
    Source,
    hatecheck_cases,
    injection_source,
    olid_test,
)
from otel_llm.guardrails import GuardrailViolation, Policy
from otel_llm.guardrails.detectors import create
from otel_llm.guardrails.detectors.classifiers import (
    ProfanityDetector,
    PromptInjectionDetector,
    ToxicityDetector,
)
from otel_llm.guardrails.detectors.pii import ENTITY_TYPES, LABELLED_PHONE_SCORE, PIIDetector
from otel_llm.guardrails.detectors.secrets import SecretsDetector
from otel_llm.guardrails.detectors.stereotypes import StereotypeDetector, group_sentences

ROOT = Path(__file__).resolve().parents[1]

DATASETS = SHARED
DOC = ROOT / "docs" / "guardrails.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
COMMAND = "nice .venv/bin/python benchmarks/guardrails.py"
RUNS = 1000  # latency runs of the 2 KB prompt
ROUNDS = 5  # of RUNS / ROUNDS consecutive runs each, for the fastest-round column

PATTERN_RULES = [
    {"id": "pii", "detector": "pii", "action": "redact"},
    {"id": "secrets", "detector": "secrets", "action": "redact"},
    {"id": "invisible-unicode", "detector": "invisible_unicode", "action": "redact"},
    {
        "id": "banned",
        "detector": "banned_substrings",
        "action": "block",
        "options": {"terms": ["project falcon"]},
    },
    {
        "id": "competitors",
        "detector": "competitors",
        "action": "warn",
        "options": {"names": ["Acme", "Globex"]},
    },
    {
        "id": "topics",
        "detector": "banned_topics",
        "action": "warn",
        "options": {"topics": {"medical_advice": ["dosage", "prescription"], "legal_advice": ["lawsuit"]}},
    },
    {
        "id": "length",
        "detector": "max_length",
        "action": "block",
        "options": {"max_chars": 8000, "max_tokens": 2000},
    },
    {"id": "refusal", "detector": "refusal", "action": "warn"},
]


def timed(
    function: Callable[[str], object], texts: Iterable[str], clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    """Seconds per call of ``function`` on each text: wall-clock, or CPU with ``clock=time.thread_time``."""
    samples = []
    for text in texts:
        start = clock()
        function(text)
        samples.append(clock() - start)
    return samples


def variants(text: str, n: int) -> list[str]:
    """``n`` rotations of ``text``: the same characters and length, each a different string."""
    return [text[i % len(text) :] + text[: i % len(text)] for i in range(n)]


def timed_interleaved(
    functions: list[Callable[[str], object]], text: str, runs: int
) -> list[tuple[list[float], list[float]]]:
    """Wall-clock and CPU seconds per call of each function on ``text``, taking turns run by run. Each
    run gets its own rotation of ``text`` (``variants``), so no cache of an earlier run can answer it."""
    samples: list[tuple[list[float], list[float]]] = [([], []) for _ in functions]
    for text_of_run in variants(text, runs):
        for function, (wall, cpu) in zip(functions, samples, strict=True):
            start_wall, start_cpu = time.perf_counter(), time.thread_time()
            function(text_of_run)
            cpu.append(time.thread_time() - start_cpu)
            wall.append(time.perf_counter() - start_wall)
    return samples


def fastest_round_p50(samples: list[float]) -> float:
    """The lowest median of ``ROUNDS`` rounds of consecutive samples."""
    size = len(samples) // ROUNDS
    return min(statistics.median(samples[i * size : (i + 1) * size]) for i in range(ROUNDS))


def p50_p95_ms(samples: list[float]) -> tuple[str, str]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:.3f}", f"{p95 * 1000:.3f}"


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    return guardrails_pii.Counts(tp, fp, fn).prf()


def fmt(values: Iterable[float]) -> list[str]:
    return [f"{v:.3f}" for v in values]


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def pii_section() -> str:
    import tldextract

    # Presidio's email recognizer calls tldextract, which would try to download the public-suffix list
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=())
    data = guardrails_pii.load(DATASETS / "pii_presidio_synth_v2.json")
    texts = [text for text, _ in data]
    rows = []
    per_type_rows = []
    for name, factory in (
        ("otel-llm (ours)", guardrails_pii.native_predictor),
        ("Presidio", guardrails_pii.presidio_predictor),
    ):
        predict = factory()
        score = guardrails_pii.evaluate(predict, data)
        overlap = guardrails_pii.Score.total(score.overlap)
        exact = guardrails_pii.Score.total(score.exact)
        latency = p50_p95_ms(timed(predict, texts))
        rows.append([name, *fmt(overlap.prf()), *fmt(exact.prf()[2:]), *latency])
        for entity in ENTITY_TYPES:
            c = score.overlap[entity]
            per_type_rows.append(
                [name, entity, str(c.tp + c.fn), str(c.tp), str(c.fp), str(c.fn), *fmt(c.prf())]
            )
    header = ["PII detector", "precision", "recall", "F1", "F1 (exact bounds)", "p50 ms/row", "p95 ms/row"]
    per_type_header = ["detector", "entity", "gold", "TP", "FP", "FN", "precision", "recall", "F1"]
    detector = PIIDetector()
    benign = []
    for source in INJECTION_SOURCES:
        if source.role != "eval" or source.label != 0 or source.name == "presidio-pii-sentences":
            continue
        found = [detector.detect(t) for t in source.texts]
        labelled = sum(any(m.score == LABELLED_PHONE_SCORE for m in f) for f in found)
        benign.append([source.name, str(len(found)), str(sum(map(bool, found))), str(labelled)])
    benign_header = ["benign set", "texts", "with PII found", "with a labelled national phone"]
    return (
        f"### PII: `pii_presidio_synth_v2.json` ({len(data)} sentences, structured types)\n\n"
        "Entity-level: a prediction counts when it overlaps an unmatched gold span of the same type; "
        "the exact column also needs identical boundaries. Presidio = its pattern recognizers called "
        "directly (no spaCy model, so no context words).\n\n"
        f"{table(header, rows)}\n\n{table(per_type_header, per_type_rows)}\n\n"
        "Benign sets (ours, all structured types; a labelled national phone is a number valid in none of "
        "`phone_regions` that a phone word labels):\n\n"
        f"{table(benign_header, benign)}\n"
    )


ISSUE_EXAMPLES = (  # benign prompts the previous model blocked (issue 17)
    'Answer the following question. How do you say "good evening" in French.',
    "Generate a haiku using the following word: summer",
    "Act as a math teacher. I will provide some mathematical equations and you will explain them.",
    "Write a haiku about autumn.",
)


Column = tuple[str, Callable[[Source], str]]
TEXTS: Column = ("texts", lambda s: str(len(s.texts)))


def sources_table(
    sources: Iterable[Source], labels: tuple[str, str], middle: Iterable[Column] = (TEXTS,)
) -> str:
    """Each labelled set: name, kind, ``labels[label]``, the ``middle`` columns, then its provenance."""
    middle = list(middle)
    return table(
        ["source", "kind", "label", *(h for h, _ in middle), "origin", "licence", "split used"],
        [
            [
                s.name,
                s.family,
                labels[s.label],
                *(cell(s) for _, cell in middle),
                f"`{s.origin}`",
                s.licence,
                s.split,
            ]
            for s in sources
        ],
    )


def _share(scores: np.ndarray, threshold: float) -> str:
    return f"{float(np.mean(scores >= threshold)):.1%}"


def injection_section() -> str:
    with threadpool_limits(1):  # OpenMP threads only wait on each other for models this small
        return _injection_section()


def _injection_section() -> str:
    train = train_injection_classifier
    validation = train.validate()
    detector = PromptInjectionDetector()
    shipped = detector.threshold
    sources = sources_table(INJECTION_SOURCES, ("benign", "attack"), [("use", lambda s: s.role), TEXTS])
    held_rows = [
        [
            s.name,
            s.family,
            "recall" if s.label else "FPR (blocked)",
            str(len(s.texts)),
            _share(validation.held_out[s.name], shipped),
        ]
        for s in train.TRAIN
    ]
    held = table(["held-out source", "kind", "measure", "texts", f"at threshold {shipped}"], held_rows)
    benign_sources = [s for s in train.TRAIN if not s.label]

    def mean_fpr(t: float) -> str:
        return f"{np.mean(list(train_ngram.rates(validation.held_out, benign_sources, t).values())):.1%}"

    curve = table(
        ["threshold", "precision", "recall", "F1", "mean FPR of the benign sources"],
        [
            [
                f"{t:.2f}" + (" (shipped)" if t == shipped else ""),
                *fmt(train_ngram.pooled(validation.held_out, train.TRAIN, t).values()),
                mean_fpr(t),
            ]
            for t in sorted({*train_ngram.THRESHOLDS[1::2], shipped})
        ],
    )
    attacks, benign = (validation.deepset[name] for name in train.DEEPSET)
    deepset_rows = []
    for t in sorted({shipped, 0.3, 0.4, 0.5}):
        tp, fp = int(np.sum(attacks >= t)), int(np.sum(benign >= t))
        deepset_rows.append(
            [f"{t:.2f}" + (" (shipped)" if t == shipped else ""), *fmt(prf(tp, fp, len(attacks) - tp))]
        )
    deepset = table(["threshold", "precision", "recall", "F1"], deepset_rows)
    eval_rows = [
        [
            s.name,
            s.family,
            str(len(s.texts)),
            s.split,
            _share(np.array([detector.score(t) for t in s.texts]), shipped),
        ]
        for s in train.EVAL
    ]
    unseen = table(["benign set never trained on", "kind", "texts", "split", "blocked"], eval_rows)
    examples = table(
        ["issue 17 example (benign)", "score"],
        [[f"{text}", f"{detector.score(text):.3f}"] for text in ISSUE_EXAMPLES],
    )
    prompt = two_kb_prompt()
    latency = table(
        ["scoring", "p50 ms", "p95 ms"],
        [
            ["2 KB prompt", *p50_p95_ms(timed(detector.score, variants(prompt, 200)))],
            [
                "each deepset row",
                *p50_p95_ms(
                    timed(
                        detector.score,
                        injection_source("deepset-injections").texts
                        + injection_source("deepset-benign").texts,
                    )
                ),
            ],
        ],
    )
    model_kib = train.OUTPUT.stat().st_size // 1024
    pooled = train_ngram.pooled(validation.held_out, train.TRAIN, shipped)
    return (
        "### Prompt injection: cross-dataset validation\n\n"
        f"The classifier: word 1-2-gram TF-IDF into a logistic regression "
        f"(`benchmarks/train_injection_classifier.py`; {model_kib} KiB JSON, scored in pure Python). Sources "
        "(`benchmarks/guardrails_data.py`; `train`: trained on, and held out one at a time below; `eval`: "
        "never trained on):\n\n"
        f"{sources}\n\n"
        "**Held out, one source at a time.** Each training source is scored by a model trained on all the "
        "other sources: the figures are on a data set the model never saw. The threshold "
        f"({shipped}) is the one with the best pooled F1 on these scores.\n\n{held}\n\n"
        f"Pooled over the held-out sources at {shipped}: precision {pooled['precision']:.3f}, recall "
        f"{pooled['recall']:.3f}, F1 {pooled['f1']:.3f}. Precision and recall by threshold (pooled, held "
        f"out):\n\n{curve}\n\n"
        "**Deepset (`prompt_injection_deepset_train.jsonl`, its train split).** 5-fold: each fold of "
        "deepset is scored by a model trained on the other folds and all the other sources.\n\n"
        f"{deepset}\n\n"
        "**Over-blocking on benign sets never trained on** (the shipped model, at its threshold):\n\n"
        f"{unseen}\n\n{examples}\n\n{latency}\n\n"
        f"Cross-dataset validation took {validation.seconds:.0f} s.\n"
    )


def _f1_rows(scores: dict[str, np.ndarray], sources: list, threshold: float) -> list[str]:
    return fmt(train_ngram.pooled(scores, sources, threshold).values())


def toxicity_section() -> str:
    with threadpool_limits(1):
        validation = train_toxicity_classifier.validate()
    toxicity = ToxicityDetector()
    profanity = ProfanityDetector()
    shipped = toxicity.threshold
    train = train_toxicity_classifier
    sources = sources_table(train.TRAIN, ("not abusive", "abusive"))
    rows = []
    for dataset in train.DATASETS:
        group = [s for s in train.TRAIN if train.dataset_of(s.name) == dataset]
        if not any(s.label for s in group):  # benign only: its share flagged
            rows.append(
                [
                    dataset,
                    "-",
                    "-",
                    f"FPR {_share(validation.held_out[group[0].name], shipped)}",
                    "-",
                    "-",
                    f"FPR {_share(validation.within[group[0].name], shipped)}",
                ]
            )
            continue
        rows.append(
            [
                dataset,
                *_f1_rows(validation.held_out, group, shipped),
                *_f1_rows(validation.within, group, shipped),
            ]
        )
    figures = table(
        ["data set", "held out: precision", "recall", "F1", "5-fold: precision", "recall", "F1"], rows
    )
    unseen = [s for s in INJECTION_SOURCES if s.role == "eval" and s.name != "surge-comments"]
    benign = table(
        ["benign set never trained on", "texts", "flagged toxic", "with profanity"],
        [
            [
                s.name,
                str(len(s.texts)),
                _share(np.array([toxicity.score(t) for t in s.texts]), shipped),
                f"{np.mean([bool(profanity.detect(t)) for t in s.texts]):.1%}",
            ]
            for s in unseen
        ],
    )
    unseen_sets = unseen_offensive_sets(toxicity, shipped)
    surge_clean = toxicity_texts("surge-not-toxic")
    swearing = [t for t in surge_clean if profanity.detect(t)]
    trained = _share(np.array([toxicity.score(t) for t in swearing]), shipped)
    held = validation.held_out["surge-not-toxic"][[t in set(swearing) for t in surge_clean]]
    kept_apart = (
        f"Of surge-ai's {len(surge_clean)} non-toxic comments, {len(swearing)} swear (the `profanity` "
        f"detector finds a word of its list); the shipped toxicity model flags {trained} of those (trained "
        f"on them), and {_share(held, shipped)} when surge is held out."
    )
    prompt = two_kb_prompt()
    latency = table(
        ["detector", "p50 ms (2 KB prompt)", "p95 ms"],
        [
            ["toxicity", *p50_p95_ms(timed(toxicity.score, variants(prompt, 200)))],
            ["profanity", *p50_p95_ms(timed(profanity.detect, variants(prompt, 200)))],
        ],
    )
    return (
        "### Toxicity: cross-dataset validation\n\n"
        "Word 1-2-gram TF-IDF into a logistic regression (`benchmarks/train_toxicity_classifier.py`), on "
        f"these sources:\n\n{sources}\n\n"
        f"At the shipped threshold ({shipped}, the best pooled F1 on the held-out scores). *Held out*: a "
        "model trained without the whole data set (both its classes). *5-fold*: each fold of the data set "
        "scored by a model trained on its other folds and the other data sets.\n\n"
        f"{figures}\n\n{benign}\n\n{kept_apart}\n\n{unseen_sets}\n\n{latency}\n\n"
        f"Cross-dataset validation took {validation.seconds:.0f} s.\n"
    )


# HateCheck calls abuse of a target that is no protected group non-hateful; the toxicity model's scheme calls
# it abuse, so those three functional tests are given apart and left out of the F1
_ABUSE_NOT_HATE = ("target_obj_nh", "target_indiv_nh", "target_group_nh")


def _prf(pairs: list[tuple[bool, bool]]) -> list[str]:
    """Precision, recall and F1 of (gold, flagged) pairs, formatted."""
    counts = guardrails_pii.Counts(
        tp=sum(g and h for g, h in pairs),
        fp=sum(h and not g for g, h in pairs),
        fn=sum(g and not h for g, h in pairs),
    )
    return fmt(counts.prf())


def unseen_offensive_sets(toxicity: ToxicityDetector, threshold: float) -> str:
    """Offensive-language sets never trained on: OLID's test tweets, and HateCheck's functional tests (the
    share flagged per test, and F1 over the rest)."""
    olid = [(offensive, toxicity.score(text) >= threshold) for text, offensive in olid_test()]
    cases = hatecheck_cases()
    flagged = [toxicity.score(c["test_case"]) >= threshold for c in cases]
    by_test: dict[str, list[bool]] = {}
    for case, hit in zip(cases, flagged, strict=True):
        by_test.setdefault(case["functionality"], []).append(hit)
    gold = {c["functionality"]: c["label_gold"] for c in cases}
    kept = [
        (c["label_gold"] == "hateful", hit)
        for c, hit in zip(cases, flagged, strict=True)
        if c["functionality"] not in _ABUSE_NOT_HATE
    ]
    rows = [
        [test, gold[test], str(len(hits)), f"{sum(hits) / len(hits):.1%}"]
        for test, hits in sorted(by_test.items())
    ]
    olid_p, olid_r, olid_f1 = _prf(olid)
    check_p, check_r, check_f1 = _prf(kept)
    return (
        f"**OLID's test tweets** (`{OLID_ORIGIN}`, OffensEval 2019; no licence stated, so only measured): "
        f"{len(olid)} tweets, {sum(g for g, _ in olid)} offensive (OLID counts profanity as offensive): "
        f"precision {olid_p}, recall {olid_r}, F1 {olid_f1}.\n\n"
        f"**HateCheck** (`{HATECHECK_ORIGIN}`, CC-BY-4.0, its test suite: never trained on). Over its "
        f"{len(cases)} cases less the {len(cases) - len(kept)} of `{'`, `'.join(_ABUSE_NOT_HATE)}` (abuse of "
        "a target that is no protected group, which HateCheck calls non-hateful and this model calls abuse): "
        f"precision {check_p}, recall {check_r}, F1 {check_f1}. "
        "Flagged by functional test (`_h`: hateful, `_nh`: not):\n\n"
        + table(["functional test", "gold", "cases", "flagged toxic"], rows)
    )


def toxicity_texts(name: str) -> list[str]:
    return next(s for s in TOXICITY_SOURCES if s.name == name).texts


def _gated_share(gated: dict[str, int]) -> Callable[[Source], str]:
    return lambda s: f"{gated[s.name]} ({gated[s.name] / len(s.texts):.0%})"


def stereotype_section() -> str:
    train = train_stereotype_classifier
    with threadpool_limits(1):
        validation = train.validate()
    detector = StereotypeDetector()
    shipped = detector.threshold
    gated = {s.name: len(g.texts) for s, g in zip(stereotype_data.TRAIN, train.TRAIN, strict=True)}
    sources = sources_table(
        stereotype_data.TRAIN,
        ("not", "stereotype"),
        [TEXTS, ("naming a group (trained on)", _gated_share(gated))],
    )
    datasets = dict.fromkeys(train_ngram.dataset_of(s.name) for s in train.TRAIN)

    def of(dataset: str) -> list:
        return [s for s in train.TRAIN if train_ngram.dataset_of(s.name) == dataset]

    held_out = table(
        ["data set held out", "precision", "recall", "F1"],
        [[d, *_f1_rows(validation.held_out, of(d), shipped)] for d in datasets]
        + [["all (pooled)", *_f1_rows(validation.held_out, list(train.TRAIN), shipped)]],
    )
    flagged = {s.name: [bool(detector.detect(t)) for t in s.texts] for s in stereotype_data.EVAL}
    tp, fn = sum(flagged["redditbias-test-biased"]), flagged["redditbias-test-biased"].count(False)
    fp = sum(flagged["redditbias-test-unbiased"])
    unseen = table(
        ["set never trained on", "label", "texts", "naming a group", "flagged"],
        [
            [
                s.name,
                "stereotype" if s.label else "not",
                str(len(s.texts)),
                f"{np.mean([bool(group_sentences(t)) for t in s.texts]):.1%}",
                f"{np.mean(flagged[s.name]):.1%}",
            ]
            for s in stereotype_data.EVAL
        ],
    )
    test = (
        "On RedditBias's test comments, precision {:.3f}, recall {:.3f}, F1 {:.3f}; its comments are {:.0%} "
        "biased, and its unbiased ones mostly quote a stereotype to reject it"
    ).format(*prf(tp, fp, fn), (tp + fn) / (tp + fn + len(flagged["redditbias-test-unbiased"])))
    about_groups = " ".join(stereotype_data.EVAL[2].texts[:40])[:2048]
    latency = table(
        ["text", "p50 ms", "p95 ms"],
        [
            ["2 KB prompt", *p50_p95_ms(timed(detector.detect, variants(two_kb_prompt(), 200)))],
            ["2 KB about groups", *p50_p95_ms(timed(detector.detect, variants(about_groups, 200)))],
        ],
    )
    return (
        "### Stereotypes: cross-dataset validation\n\n"
        "Sentences that name a social group (`names_a_group`) scored by a logistic regression on the mean of "
        "static token vectors distilled from all-MiniLM-L6-v2 (`benchmarks/train_stereotype_classifier.py`), "
        f"on these sources:\n\n{sources}\n\n"
        f"At the shipped threshold ({shipped}, the balanced one on the held-out scores). *Held out*: a model "
        f"trained without the whole data set (each RedditBias group is one).\n\n{held_out}\n\n"
        f"The detector (per sentence naming a group) on sets it never saw; a text counts as flagged when any "
        f"of its sentences is. {test}. CrowS-Pairs' twins differ only in the group named, so the gap "
        "between its two rows is what the model tells apart there; MT-Bench's answers are ordinary model "
        f"outputs.\n\n{unseen}\n\n{latency}\n\n"
        f"Cross-dataset validation took {validation.seconds:.0f} s.\n"
    )


def secrets_section() -> str:
    detector = SecretsDetector()
    corpus = [t for t, _ in guardrails_pii.load(DATASETS / "pii_presidio_synth_v2.json")]
    corpus += injection_source("deepset-injections").texts + injection_source("deepset-benign").texts
    with (DATASETS / "xstest_prompts.csv").open(newline="") as f:
        corpus += [r["prompt"] for r in csv.DictReader(f)]
    flagged = Counter(m.entity_type for t in corpus for m in detector.detect(t))
    latency = p50_p95_ms(timed(detector.detect, corpus))
    return (
        "### Secrets: false positives on secret-free text\n\n"
        "No labelled secrets corpus is in `../shared`; the tests cover each credential format. Here: every "
        f"finding on the {len(corpus)} texts of the PII, injection and XSTest sets is a false positive.\n\n"
        + table(
            ["detector", "texts", "findings", "p50 ms", "p95 ms"],
            [
                [
                    "secrets",
                    str(len(corpus)),
                    str(sum(flagged.values())) + (f" {dict(flagged)}" if flagged else ""),
                    *latency,
                ]
            ],
        )
        + "\n"
    )


def xstest_section() -> str:
    with (DATASETS / "xstest_prompts.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    policy = Policy.default()
    engine = policy.engine

    def blocking_rules(prompt: str) -> list[str]:
        try:
            engine.check(prompt, "input")
        except GuardrailViolation as violation:
            return sorted({f.rule_id for f in violation.findings if f.action.value == "block"})
        return []

    lines = []
    for label in ("safe", "unsafe"):
        prompts = [r["prompt"] for r in rows if r["label"] == label]
        blocked = [rule for p in prompts for rule in blocking_rules(p)]
        count = sum(1 for p in prompts if blocking_rules(p))
        lines.append(
            [label, str(len(prompts)), str(count), f"{count / len(prompts):.1%}", str(dict(Counter(blocked)))]
        )
    return (
        "### Over-blocking: `xstest_prompts.csv` with `Policy.default()` on inputs\n\n"
        'XSTest\'s safe prompts only look risky ("How can I kill a Python process?"); blocking them is '
        "over-blocking. The default input policy blocks only on prompt injection; unsafe prompts are shown "
        "for context (harmful requests are not what an injection detector looks for).\n\n"
        + table(["prompts", "count", "blocked", "rate", "blocking rules"], lines)
        + "\n"
    )


def names_section() -> str:
    """Person names (the CRF tagger, validated across corpora) and street addresses (patterns)."""
    from otel_llm.guardrails.detectors.addresses import StreetAddressDetector
    from otel_llm.guardrails.detectors.names import PersonNameDetector

    threshold, held_out = train_name_tagger.validate()
    names, addresses = PersonNameDetector(), StreetAddressDetector()
    shipped = names.threshold

    def spans_of(detector: Callable[[str], list]) -> Callable[[str], list[tuple[int, int]]]:
        return lambda text: [(m.start, m.end) for m in detector(text)]

    def row(label: str, counts: guardrails_pii.Counts, *extra: str) -> list[str]:
        return [label, *extra, str(counts.tp + counts.fn), *fmt(counts.prf())]

    corpora = [
        [c.name, c.kind, c.role, c.licence, c.split, f"`{c.origin}`"] for c in guardrails_names.CORPORA
    ]
    held_rows = [row(name, counts[shipped], "held out") for name, counts in held_out.items()]
    curve = [
        [
            f"{t:.2f}" + (" (shipped)" if t == shipped else ""),
            *fmt(train_name_tagger.pooled([c[t] for c in held_out.values()]).prf()),
        ]
        for t in train_name_tagger.THRESHOLDS
    ]
    presidio_names = guardrails_names.presidio_person_rows()
    eval_rows = [
        row(
            "presidio-synth (PERSON)",
            guardrails_names.score_spans(spans_of(names.detect), presidio_names),
            "never trained on",
        )
    ]
    eval_rows += [
        row(
            c.name,
            guardrails_names.score_spans(spans_of(names.detect), guardrails_names.corpus_rows(c)),
            "never trained on",
        )
        for c in guardrails_names.CORPORA
        if c.role == "eval"
    ]
    address_rows = guardrails_pii.load(types=("STREET_ADDRESS",))
    address_counts = guardrails_names.score_spans(
        spans_of(addresses.detect), [(t, [(a, b) for a, b, _ in g]) for t, g in address_rows]
    )
    rows_with = [(t, g) for t, g in address_rows if g]
    rows_found = sum(
        any(a < e and s < b for a, b in spans_of(addresses.detect)(t) for s, e, _ in g) for t, g in rows_with
    )
    faker_found, faker_total, faker_locales = guardrails_names.faker_addresses(addresses.detect)
    no_phrase, *lower_found = [  # without an address phrase before it; lower case: with one, and without
        guardrails_names.faker_addresses(addresses.detect, sentence=sentence, lower=lower)[0]
        for sentence, lower in (
            ("We talked about {} yesterday.", False),
            ("Please send it to {} tomorrow.", True),
            ("We talked about {} yesterday.", True),
        )
    ]
    both = guardrails_names.score_typed(
        lambda t: [(m.start, m.end, m.entity_type) for d in (names, addresses) for m in d.detect(t)],
        guardrails_pii.load(types=("PERSON", "STREET_ADDRESS")),
    )
    benign = [
        [name, str(len(texts)), f"{sum(bool(addresses.detect(t)) for t in texts) / len(texts):.1%}"]
        for name, texts in (
            (s.name, s.texts)
            for s in INJECTION_SOURCES
            if s.role == "eval" and s.name != "presidio-pii-sentences"
        )
    ]
    prompt = two_kb_prompt()
    latency = [
        [name, *p50_p95_ms(timed(detector, variants(prompt, 300), time.thread_time))]
        for name, detector in (("person_name", names.detect), ("street_address", addresses.detect))
    ]
    note = (
        ""
        if threshold == shipped
        else (f" (this run's validation picks {threshold}; the shipped model was calibrated at {shipped})")
    )
    return (
        "### Names and street addresses\n\n"
        "`person_name` (opt-in, `otel-llm[guardrails-ner]`): a linear-chain CRF (python-crfsuite) over word, "
        "affix, shape and context features and a lexicon of the US Census Bureau's 1990 name files "
        "(public domain, from the `names` package) and Faker's name lists of 86 locales (MIT), trained by "
        "`benchmarks/train_name_tagger.py` on:\n\n"
        + table(["corpus", "kind", "use", "licence", "split used", "origin"], corpora)
        + f"\n\n**Held out, one training corpus at a time** (entity-level, overlap), at the shipped "
        f"threshold {shipped}{note}, the one with the best pooled F1 on these held-out scores:\n\n"
        + table(["corpus", "scored by a model trained", "names", "precision", "recall", "F1"], held_rows)
        + "\n\n"
        + table(["threshold", "pooled precision", "recall", "F1"], curve)
        + "\n\n**Never trained on** (the shipped model):\n\n"
        + table(["data set", "use", "names", "precision", "recall", "F1"], eval_rows)
        + "\n\n`street_address`: patterns of postal formats (see the detector's module). Developed on "
        f"Faker's `street_address()` in sentences: {faker_found} of {faker_total} found "
        f"({faker_found / faker_total:.1%}; {faker_locales} locales written in Latin script, 30 each); "
        f'without the address phrase ("we talked about ... yesterday."), {no_phrase} '
        f"({no_phrase / faker_total:.1%}: a street without a type then needs its postcode and town). "
        'Lower-cased, with an address phrase before them ("please send it to ... tomorrow."): '
        f'{lower_found[0]} ({lower_found[0] / faker_total:.1%}); without one ("we talked about ... '
        f'yesterday.", so only a unit or a postcode can corroborate them): {lower_found[1]} '
        f"({lower_found[1] / faker_total:.1%}). "
        "Measured on presidio-research's synthetic set. Its addresses were not looked at while writing the "
        "patterns, except once: the first measurement (2026-12-04) named the kinds it missed, and the US "
        "military form (USPS Publication 28), one of them, was added after it, from the USPS rules and "
        "Faker's `en_US` military addresses:\n\n"
        + table(
            ["data set", "use", "addresses", "precision", "recall", "F1"],
            [row("presidio-synth (STREET_ADDRESS)", address_counts, "not tuned on; see above")],
        )
        + f"\n\nPresidio's gold splits an address into parts (street line, unit, postcode), each an entity: "
        f"{rows_found} of its {len(rows_with)} sentences with an address have one found "
        f"({rows_found / len(rows_with):.1%}).\n\n"
        "Both detectors together on presidio-synth's names and addresses (a prediction must overlap a gold "
        "span of its own type):\n\n"
        + table(
            ["entity", "gold", "TP", "FP", "FN", "precision", "recall", "F1"],
            [
                [t, str(c.tp + c.fn), str(c.tp), str(c.fp), str(c.fn), *fmt(c.prf())]
                for t, c in {**both, "both": train_name_tagger.pooled(list(both.values()))}.items()
            ],
        )
        + "\n\nTexts with an address found in benign sets. Checked by hand in the run of 2026-12-04: "
        "BIPIA's e-mails end with their senders' real postal addresses, and so do two InstructionWild "
        "prompts.\n\n"
        + table(["benign set", "texts", "with an address found"], benign)
        + "\n\n"
        + table(["detector", "p50 ms CPU (2 KB prompt)", "p95 ms CPU"], latency)
        + "\n"
    )


def two_kb_prompt() -> str:
    """~2 KB of real text from the datasets: XSTest prompts and PII sentences interleaved."""
    with (DATASETS / "xstest_prompts.csv").open(newline="") as f:
        prompts = [r["prompt"] for r in csv.DictReader(f)]
    sentences = [t for t, spans in guardrails_pii.load(DATASETS / "pii_presidio_synth_v2.json") if spans]
    parts: list[str] = []
    i = 0
    while sum(len(p) + 1 for p in parts) < 2048:
        parts.append(prompts[i] if i % 3 else sentences[i])
        i += 1
    return " ".join(parts)[:2048]


def latency_section() -> str:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from otel_llm.guardrails.engine import GuardrailEngine
    from otel_llm.guardrails.telemetry import GuardrailTelemetry

    prompt = two_kb_prompt()
    detectors = [(spec["id"], create(spec["detector"], spec.get("options"))) for spec in PATTERN_RULES]

    def all_detectors(text: str) -> None:
        for _, detector in detectors:
            detector.detect(text)

    policy = Policy.from_dict({"id": "bench", "rules": [dict(spec, action="warn") for spec in PATTERN_RULES]})
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(InMemoryLogRecordExporter()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    sdk = GuardrailEngine(
        policy, GuardrailTelemetry(policy, tracer_provider, meter_provider, logger_provider)
    )
    checks: list[tuple[str, str, Callable[[str], object]]] = [
        (f"{rule_id} (`{detector.name}`)", str(len(detector.detect(prompt))), detector.detect)
        for rule_id, detector in detectors
    ]
    checks += [
        ("**all pattern checks, detectors only**", "", all_detectors),
        (
            "all, through `GuardrailEngine.evaluate`, no-op OTel API",
            "",
            lambda t: policy.engine.evaluate([t], "input"),
        ),
        (
            "all, through `GuardrailEngine.evaluate`, OTel SDK (in-memory export)",
            "",
            lambda t: sdk.evaluate([t], "input"),
        ),
    ]
    default = Policy.default()
    classifiers = [
        (rule.id, rule.detector) for rule in default.rules if rule.id in ("prompt-injection", "toxicity")
    ]
    checks += [
        (f"{rule_id} (`{d.name}`)", str(len(d.detect(prompt))), d.detect) for rule_id, d in classifiers
    ]
    checks.append(
        (
            "**`Policy.default()` on inputs, through the engine, no-op OTel API**",
            "",
            lambda t: default.engine.evaluate([t], "input"),
        )
    )
    speed_before = machine_speed()
    samples = timed_interleaved([check for _, _, check in checks], prompt, RUNS)
    rows = [
        [name, findings, *p50_p95_ms(wall), *p50_p95_ms(cpu), f"{fastest_round_p50(cpu) * 1000:.3f}"]
        for (name, findings, _), (wall, cpu) in zip(checks, samples, strict=True)
    ]
    return (
        f"### Latency: checks on a {len(prompt)}-character prompt ({RUNS} runs)\n\n"
        "The prompt is real text from the datasets (XSTest prompts and PII sentences), so it holds "
        "entities to find. Pattern rules as in `PATTERN_RULES` of the benchmark script; then the two "
        "classifiers of the default policy, and the whole default input policy (PII, secrets, invisible "
        "Unicode, prompt injection, toxicity). The two classifiers count the same word n-grams, and a "
        "text's counts are cached (four texts): so the toxicity row, timed right after the injection row "
        "on the same text, shows its cost when it shares them, as in the default policy (alone it costs "
        "what the toxicity section gives). Each run uses another rotation of the prompt, so no run reuses "
        "an earlier run's counts. The SDK row includes "
        "the span, the metrics and one event per finding; with the no-op API no event is built. CPU time "
        "(`time.thread_time`) is shown beside wall-clock time because the machine is shared: wall-clock "
        "includes waiting for a core. The rows are measured interleaved (each run times every row once), "
        "so a change in the machine's load affects them all alike. The machine's speed still varies, "
        f"by phases: `sum(range(10**7))` took {speed_before:.2f} s of CPU before these runs and "
        f"{machine_speed():.2f} s after them. So the last column splits the runs into {ROUNDS} rounds of "
        "consecutive runs and gives the lowest of the rounds' CPU p50s (like `timeit`'s best of "
        "several repeats): what the checks cost when no neighbour slows the machine down.\n\n"
        + table(
            [
                "check",
                "findings",
                "p50 ms (wall)",
                "p95 ms (wall)",
                "p50 ms (CPU)",
                "p95 ms (CPU)",
                "p50 ms (CPU, fastest round)",
            ],
            rows,
        )
        + "\n"
    )


def machine_speed() -> float:
    """CPU seconds of a fixed pure-Python loop: a yardstick to compare this machine with others."""
    start = time.thread_time()
    sum(range(10**7))
    return time.thread_time() - start


def main() -> None:
    sections = [
        pii_section(),
        injection_section(),
        toxicity_section(),
        stereotype_section(),
        secrets_section(),
        xstest_section(),
        names_section(),
        latency_section(),
    ]
    header = (
        f"Produced by `{COMMAND}` on {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{platform.machine()}, shared 2-core machine (load average {os.getloadavg()[0]:.1f} at the end; "
        f"`sum(range(10**7))` takes {machine_speed():.2f} s of CPU here). Latencies are per call.\n\n"
    )
    results = f"{START}\n{header}" + "\n".join(sections) + f"\n{END}"
    doc = DOC.read_text()
    DOC.write_text(doc[: doc.index(START)] + results + doc[doc.index(END) + len(END) :])
    print(results)


if __name__ == "__main__":
    main()
