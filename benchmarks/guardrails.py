"""Measure the guardrail detectors on the shared datasets and write the results into docs/guardrails.md.

    nice .venv/bin/python benchmarks/guardrails.py            # ~8 minutes on 2 cores, mostly the nested CV

Quality: PII (ours vs Presidio's pattern recognizers), prompt injection (nested cross-validation), toxicity,
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

from threadpoolctl import threadpool_limits

import guardrails_pii  # sibling script: benchmarks/ is on sys.path when this file runs
import train_injection_classifier
from otel_llm.guardrails import GuardrailViolation, Policy
from otel_llm.guardrails.detectors import create
from otel_llm.guardrails.detectors.classifiers import PromptInjectionDetector, ToxicityDetector
from otel_llm.guardrails.detectors.pii import ENTITY_TYPES
from otel_llm.guardrails.detectors.secrets import SecretsDetector

ROOT = Path(__file__).resolve().parents[1]

DATASETS = ROOT.parent / "shared" / "datasets"
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


def timed_interleaved(
    functions: list[Callable[[str], object]], text: str, runs: int
) -> list[tuple[list[float], list[float]]]:
    """Wall-clock and CPU seconds per call of each function on ``text``, taking turns run by run."""
    samples: list[tuple[list[float], list[float]]] = [([], []) for _ in functions]
    for _ in range(runs):
        for function, (wall, cpu) in zip(functions, samples, strict=True):
            start_wall, start_cpu = time.perf_counter(), time.thread_time()
            function(text)
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
    return (
        f"### PII: `pii_presidio_synth_v2.json` ({len(data)} sentences, structured types)\n\n"
        "Entity-level: a prediction counts when it overlaps an unmatched gold span of the same type; "
        "the exact column also needs identical boundaries. Presidio = its pattern recognizers called "
        "directly (no spaCy model, so no context words).\n\n"
        f"{table(header, rows)}\n\n{table(per_type_header, per_type_rows)}\n"
    )


def summarize_choices(chosen: Counter) -> str:
    """How often the inner selection chose each number of copies and each C, and the thresholds' range."""
    folds = sum(chosen.values())
    parts = []
    for field in ("copies", "C"):
        counts = Counter()
        for params, n in chosen.items():
            counts[getattr(params, field)] += n
        parts.append(", ".join(f"{field} {value:g} in {n}" for value, n in sorted(counts.items())))
    thresholds = sorted(t for params, n in chosen.items() for t in [params.threshold] * n)
    parts.append(f"threshold {thresholds[0]}-{thresholds[-1]} (median {statistics.median(thresholds):g})")
    return f"{'; '.join(parts)} of {folds} outer folds"


def injection_section() -> str:
    with threadpool_limits(1):  # OpenMP threads only wait on each other for models this small
        return _injection_section()


def _injection_section() -> str:
    train = train_injection_classifier
    texts, labels = train.load(DATASETS / "prompt_injection_deepset_train.jsonl")
    negatives, held_out = train.split_benign(train.benign_sets(DATASETS))
    with (DATASETS / "xstest_prompts.csv").open(newline="") as f:
        held_out["XSTest safe prompts"] = [r["prompt"] for r in csv.DictReader(f) if r["label"] == "safe"]
    detector = PromptInjectionDetector()
    start = time.perf_counter()
    shipped, params = train.train(texts, labels, negatives)
    fit_seconds = time.perf_counter() - start
    fixed = train.PREVIOUS
    fixed_name = f"{fixed.copies} copies, C={fixed.C:g}, threshold {fixed.threshold}"
    variants = [
        (f"deepset only; fixed: {fixed_name}", [], fixed, train.fit(texts, labels, [], fixed), fixed),
        (
            f"deepset + benign negatives; fixed: {fixed_name} (before)",
            negatives,
            fixed,
            train.fit(texts, labels, negatives, fixed),
            fixed,
        ),
        (
            "deepset + benign negatives + augmented injections; chosen by inner CV (shipped)",
            negatives,
            None,
            shipped,
            params,
        ),
    ]
    rows = []
    chosen = ""
    for name, extra, cv_params, model, model_params in variants:
        cv = train.cross_validate(texts, labels, extra, cv_params)
        if cv_params is None:
            chosen = summarize_choices(cv["chosen"])
        flagged = [
            float((model.predict_proba(held)[:, 1] >= model_params.threshold).mean())
            for held in held_out.values()
        ]
        rows.append(
            [
                name,
                *fmt([cv["precision"], cv["recall"], cv["f1"], cv["f1_min"]]),
                *(f"{r:.1%}" for r in flagged),
            ]
        )
    header = [
        "training data; choices",
        "precision",
        "recall",
        "F1",
        "worst-shuffle F1",
        *(f"flagged: {n}" for n in held_out),
    ]
    ours = timed(detector.score, texts)
    sklearn_latency = timed(lambda t: shipped.predict_proba([t]), texts)
    max_difference = max(
        abs(detector.score(t) - p) for t, p in zip(texts, shipped.predict_proba(texts)[:, 1], strict=True)
    )
    model_kib = (ROOT / "src/otel_llm/guardrails/models/prompt_injection.json").stat().st_size // 1024
    runtime = table(
        ["scoring at run time", "p50 ms/prompt", "p95 ms/prompt", "needs"],
        [
            ["exported JSON, pure Python (shipped)", *p50_p95_ms(ours), f"{model_kib} KiB JSON, stdlib only"],
            ["scikit-learn pipeline", *p50_p95_ms(sklearn_latency), "scikit-learn + scipy + numpy, pickle"],
        ],
    )
    sizes = ", ".join(f"{name} {len(held)}" for name, held in held_out.items())
    return (
        "### Prompt injection: `prompt_injection_deepset_train.jsonl` "
        f"({len(texts)} rows, {int(labels.sum())} injections)\n\n"
        f"Stratified 5-fold cross-validation on deepset, mean over {len(train.SEEDS)} shuffles. Benign "
        f"negatives ({len(negatives)} texts) and augmented injections only ever join the training folds. "
        "The shipped row is nested: in each outer fold an inner "
        f"{train.INNER_FOLDS}-fold cross-validation on the training folds alone chooses the augmented "
        f"copies per injection (of {', '.join(map(str, train.COPIES))}), C (of "
        f"{', '.join(f'{c:g}' for c in train.CS)}) and the "
        f"threshold (of {train.THRESHOLDS[0]}-{train.THRESHOLDS[-1]}), so the evaluation fold never "
        f"influences a choice. Chosen: {chosen}. "
        "The flagged columns are over-blocking: the share of benign texts never trained on "
        f"({sizes}) that the model, trained on all of deepset, flags as injection at its threshold.\n\n"
        f"{table(header, rows)}\n\n{runtime}\n\n"
        f"The shipped model: {params.copies} copies, C={params.C:g}, threshold {params.threshold}, chosen by "
        "the same inner cross-validation on all of deepset. The exported JSON reproduces scikit-learn's "
        f"probabilities to within {max_difference:.1e} (choosing and training it takes {fit_seconds:.1f} s). "
        "Latency: the shipped model on each deepset row.\n"
    )


def toxicity_section() -> str:
    with (DATASETS / "toxicity_surge_en.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    detector = ToxicityDetector()
    texts = [r["text"] for r in rows]
    gold = [r["is_toxic"] == "Toxic" for r in rows]
    scores = [detector.score(t) for t in texts]
    lines = []
    for threshold in (0.3, 0.5, 0.7):
        predicted = [s >= threshold for s in scores]
        tp = sum(p and g for p, g in zip(predicted, gold, strict=True))
        fp = sum(p and not g for p, g in zip(predicted, gold, strict=True))
        fn = sum(g and not p for p, g in zip(predicted, gold, strict=True))
        lines.append([f"toxicity (alt-profanity-check), threshold {threshold}", *fmt(prf(tp, fp, fn))])
    latency = p50_p95_ms(timed(detector.score, texts))
    lines = [[*line, *latency] for line in lines]
    return (
        f"### Toxicity: `toxicity_surge_en.csv` ({len(rows)} rows, {sum(gold)} toxic)\n\n"
        f"{table(['detector', 'precision', 'recall', 'F1', 'p50 ms', 'p95 ms'], lines)}\n"
    )


def secrets_section() -> str:
    detector = SecretsDetector()
    corpus = [t for t, _ in guardrails_pii.load(DATASETS / "pii_presidio_synth_v2.json")]
    corpus += train_injection_classifier.load(DATASETS / "prompt_injection_deepset_train.jsonl")[0]
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
    speed_before = machine_speed()
    samples = timed_interleaved([check for _, _, check in checks], prompt, RUNS)
    rows = [
        [name, findings, *p50_p95_ms(wall), p50_p95_ms(cpu)[0], f"{fastest_round_p50(cpu) * 1000:.3f}"]
        for (name, findings, _), (wall, cpu) in zip(checks, samples, strict=True)
    ]
    return (
        f"### Latency: pattern-class checks on a {len(prompt)}-character prompt ({RUNS} runs)\n\n"
        "The prompt is real text from the datasets (XSTest prompts and PII sentences), so it holds "
        "entities to find. Rules as in `PATTERN_RULES` of the benchmark script. The SDK row includes "
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
        secrets_section(),
        xstest_section(),
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
