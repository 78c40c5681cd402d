"""Labelled statements about social groups for the stereotype detector: where each comes from, its licence
and the split used (see ``guardrails_data.py`` for the mirror layout).

Training: RedditBias's annotated Reddit comments (one data set per group, so that a group can be held
out whole) and ToxiGen's implicitly hateful and neutral statements about 13 groups. RedditBias's own test
and validation comments are never trained on: they are dropped from the annotated files and measured
apart, as are CrowS-Pairs' sentence pairs and GPT-4's reference answers of MT-Bench and Vicuna (ordinary
model outputs).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from guardrails_data import FASTCHAT, TOXICITY_SOURCES, Source, _csv, _file, _jsonl, _origin

REDDITBIAS = ("umanlp/RedditBias", "61f9ae9458e26a64ae1113425192280503f8fb92")
CROWS_PAIRS = ("nyu-mll/crows-pairs", "8aaac11c485473159ec9328a65253a5be9a479dc")
# RedditBias group -> the stem of its files under data/
REDDITBIAS_GROUPS = {
    "women": "gender/reddit_comments_gender_female",
    "lgbtq": "orientation/reddit_comments_orientation_lgbtq",
    "black": "race/reddit_comments_race_black",
    "jews": "religion1/reddit_comments_religion1_jews",
    "muslims": "religion2/reddit_comments_religion2_muslims",
}
# RedditBias's test and validation files (its own splits, for evaluating debiased models)
_HELD_SPLITS = (
    "_biased_test_reduced.csv",
    "_biased_valid_reduced.csv",
    "_processed_phrase_biased_testset_neg_attr_reduced.csv",
    "_processed_phrase_unbiased_testset_pos_attr_reduced.csv",
)


def _bias_label(value: str | None) -> int | None:
    return {"0": 0, "1": 1, "0.0": 0, "1.0": 1}.get((value or "").strip())


def _redditbias_rows(group: str, suffix: str) -> list[dict]:
    return _csv(_file(REDDITBIAS, f"data/{REDDITBIAS_GROUPS[group]}{suffix}"))


def _comment(row: dict) -> str:
    return (row.get("comment") or row.get("comments") or "").strip()


def redditbias(group: str, label: int) -> Callable[[], list[str]]:
    """The group's annotated comments with ``bias_sent == label``, minus every comment of its test and
    validation files."""

    def read() -> list[str]:
        held = {_comment(r) for suffix in _HELD_SPLITS for r in _redditbias_rows(group, suffix)}
        # a comment in two groups' files (a few name both) belongs to the first, so a held-out group's
        # comments are never trained on
        earlier = list(REDDITBIAS_GROUPS)[: list(REDDITBIAS_GROUPS).index(group)]
        held |= {
            _comment(r)
            for other in earlier
            for r in _redditbias_rows(other, "_processed_phrase_annotated.csv")
        }
        rows = _redditbias_rows(group, "_processed_phrase_annotated.csv")
        return [_comment(r) for r in rows if _bias_label(r["bias_sent"]) == label and _comment(r) not in held]

    return read


def redditbias_test(group: str, label: int) -> Callable[[], list[str]]:
    """The group's test comments (``*_biased_test_reduced.csv``) annotated ``bias_sent == label``."""
    return lambda: [
        _comment(r)
        for r in _redditbias_rows(group, "_biased_test_reduced.csv")
        if _bias_label(r["bias_sent"]) == label
    ]


def crows_pairs(column: str) -> Callable[[], list[str]]:
    """CrowS-Pairs' sentences of its stereotype pairs: ``sent_more`` (the more stereotypical one) or
    ``sent_less`` (its twin about another group)."""
    return lambda: [
        r[column]
        for r in _csv(_file(CROWS_PAIRS, "data/crows_pairs_anonymized.csv"))
        if r["stereo_antistereo"] == "stereo"
    ]


def reference_answers() -> list[str]:
    """GPT-4's reference answers to MT-Bench's and Vicuna's questions (every turn)."""
    texts = []
    for bench in ("mt_bench", "vicuna_bench"):
        for row in _jsonl(_file(FASTCHAT, f"fastchat/llm_judge/data/{bench}/reference_answer/gpt-4.jsonl")):
            texts.extend(turn for choice in row["choices"] for turn in choice["turns"])
    return texts


def _toxigen(name: str) -> Source:
    return next(s for s in TOXICITY_SOURCES if s.name == name)


_REDDITBIAS_ORIGIN = "data/*/reddit_comments_*_processed_phrase_annotated.csv"
TRAIN: tuple[Source, ...] = (
    *(
        Source(
            f"redditbias_{group}-{kind}",
            f"Reddit comments about {group}: {kind}",
            label,
            "train",
            _origin(REDDITBIAS, _REDDITBIAS_ORIGIN),
            "MIT",
            "annotated comments, its test and validation comments left out",
            redditbias(group, label),
        )
        for group in REDDITBIAS_GROUPS
        for kind, label in (("biased", 1), ("unbiased", 0))
    ),
    _toxigen("toxigen-hate"),
    _toxigen("toxigen-neutral"),
)
"""Grouped by data set (the part of the name before its first ``-``): each RedditBias group is one."""

EVAL: tuple[Source, ...] = (
    *(
        Source(
            f"redditbias-test-{kind}",
            f"Reddit comments about 5 groups: {kind}",
            label,
            "eval",
            _origin(REDDITBIAS, "data/*/reddit_comments_*_biased_test_reduced.csv"),
            "MIT",
            "test",
            lambda label=label: [t for group in REDDITBIAS_GROUPS for t in redditbias_test(group, label)()],
        )
        for kind, label in (("biased", 1), ("unbiased", 0))
    ),
    Source(
        "crowspairs-more",
        "the more stereotypical sentence of each stereotype pair",
        1,
        "eval",
        _origin(CROWS_PAIRS, "data/crows_pairs_anonymized.csv"),
        "CC-BY-SA-4.0",
        "all (stereo pairs)",
        crows_pairs("sent_more"),
    ),
    Source(
        "crowspairs-less",
        "its less stereotypical twin",
        0,
        "eval",
        _origin(CROWS_PAIRS, "data/crows_pairs_anonymized.csv"),
        "CC-BY-SA-4.0",
        "all (stereo pairs)",
        crows_pairs("sent_less"),
    ),
    Source(
        "mtbench-answers",
        "GPT-4's reference answers (ordinary model outputs)",
        0,
        "eval",
        _origin(FASTCHAT, "fastchat/llm_judge/data/{mt_bench,vicuna_bench}/reference_answer/gpt-4.jsonl"),
        "Apache-2.0",
        "reference answers",
        reference_answers,
    ),
)


def main() -> None:
    for source in TRAIN + EVAL:
        sample = json.dumps(source.texts[0])[:70] if source.texts else "-"
        print(f"{source.name:28} {source.role:5} label={source.label} n={len(source.texts):5}  {sample}")


if __name__ == "__main__":
    main()
