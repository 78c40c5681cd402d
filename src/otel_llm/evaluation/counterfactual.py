"""Counterfactual bias checks: swap demographic terms in an input, run the target on each variant, and
score whether the answers treat the groups alike.

Variants: for each dimension (gender, names, ethnicity, age, religion, nationality: the bundled
``data/demographic_terms.yaml``, extensible), each group found in the input is swapped with each other
group of the dimension (both ways when both occur: "men and women" becomes "women and men"). The
variant's answer has the swap undone before it is compared, so "She should..." against "He should..."
is no divergence; what remains is how the answers differ.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz

from otel_llm.evaluation.evaluators.base import Evaluator
from otel_llm.evaluation.evaluators.text import normalize
from otel_llm.evaluation.hooks import install_span_hooks, judge_scope
from otel_llm.evaluation.model import EvalCase, Score

Terms = dict[str, dict[str, list[str]]]
"""dimension -> group -> aligned terms."""


def load_terms(extra: str | Path | Mapping[str, Any] | None = None) -> Terms:
    """The bundled term lists, with the dimensions and groups of ``extra`` (a YAML file or a mapping)
    added or replacing theirs."""
    terms: Terms = yaml.safe_load(
        (files("otel_llm.evaluation") / "data" / "demographic_terms.yaml").read_text()
    )
    if extra is not None:
        more = (
            extra if isinstance(extra, Mapping) else yaml.safe_load(Path(extra).read_text(encoding="utf-8"))
        )
        for dimension, groups in (more or {}).items():
            terms.setdefault(dimension, {}).update(
                {g: [str(t).lower() for t in ts] for g, ts in groups.items()}
            )
    return terms


@dataclass(frozen=True)
class Variant:
    dimension: str
    source: str
    target: str
    text: str


def _cased(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


class Swapper:
    """Finds and swaps the terms of one dimension."""

    def __init__(self, dimension: str, groups: Mapping[str, Sequence[str]]) -> None:
        self.dimension = dimension
        self.groups = {name: [t.lower() for t in terms] for name, terms in groups.items()}
        self._where: dict[str, tuple[str, int]] = {}
        for name, group in self.groups.items():
            for index, term in enumerate(group):
                self._where.setdefault(term, (name, index))
        alternatives = sorted(self._where, key=len, reverse=True)
        self._pattern = re.compile(
            r"(?<![\w-])("
            + "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in alternatives)
            + r")(?![\w-])",
            re.IGNORECASE,
        )

    def found(self, text: str) -> list[str]:
        """The groups whose terms occur in ``text``, in order of first occurrence."""
        seen = dict.fromkeys(
            self._where[" ".join(m.group(1).lower().split())][0] for m in self._pattern.finditer(text)
        )
        return list(seen)

    def swap(self, text: str, source: str, target: str) -> str:
        """``text`` with the terms of ``source`` as those of ``target``, and the other way round."""

        def replace(match: re.Match[str]) -> str:
            word = match.group(1)
            group, index = self._where[" ".join(word.lower().split())]
            if group not in (source, target):
                return word
            other = self.groups[target if group == source else source]
            return _cased(other[min(index, len(other) - 1)], word)

        return self._pattern.sub(replace, text)

    def variants(self, text: str) -> list[Variant]:
        """One variant per other group of each group found (a mutual swap counts once)."""
        made: dict[str, Variant] = {}
        for source in self.found(text):
            for target in self.groups:
                if target != source:
                    swapped = self.swap(text, source, target)
                    made.setdefault(swapped, Variant(self.dimension, source, target, swapped))
        return list(made.values())


def variants(text: str, dimensions: Iterable[str] | None = None, terms: Terms | None = None) -> list[Variant]:
    """Every counterfactual variant of ``text`` over ``dimensions`` (default: all)."""
    terms = terms or load_terms()
    chosen = list(terms) if dimensions is None else list(dimensions)
    unknown = [d for d in chosen if d not in terms]
    if unknown:
        raise ValueError(f"unknown dimensions {unknown}; known: {', '.join(terms)}")
    return [v for d in chosen for v in Swapper(d, terms[d]).variants(text)]


class CounterfactualConsistency(Evaluator):
    """Runs the target on each counterfactual variant of the input; the score is the lowest similarity
    (rapidfuzz ratio, after undoing the swap) between the original answer and a variant's, and it
    passes when that is at least ``pass_at`` and every variant passes the ``evaluators`` the original
    passes (and fails those it fails). The run's target is bound by the runner.
    """

    uses_target = True

    def __init__(
        self,
        dimensions: Sequence[str] | None = None,
        pass_at: float = 0.8,
        evaluators: Sequence[Evaluator] = (),
        terms: str | Path | Mapping[str, Any] | None = None,
        max_variants: int = 20,
        name: str = "counterfactual",
    ) -> None:
        self.name = name
        self.terms = load_terms(terms)
        self.dimensions = list(dimensions) if dimensions else list(self.terms)
        variants("", self.dimensions, self.terms)  # unknown dimensions fail here, at set-up
        self.pass_at = pass_at
        self.evaluators = list(evaluators)
        self.max_variants = max_variants
        self.target: Callable[[str], Any] | None = None
        self._swappers = {d: Swapper(d, self.terms[d]) for d in self.dimensions}

    def _answer(self, text: str, case: EvalCase) -> str:
        """The target's answer to a variant, traced under the evaluated span as an evaluator's own call."""
        from otel_llm.evaluation.runner import split_output

        assert self.target is not None
        install_span_hooks()
        with judge_scope(case.span.span_context() if case.span else None):
            return split_output(self.target(text))[0] or ""

    def _verdicts(self, case: EvalCase) -> list[bool]:
        return [bool(evaluator(case).passed) for evaluator in self.evaluators]

    def evaluate(self, case: EvalCase) -> Score:
        if self.target is None:
            raise ValueError("counterfactual checks need the run's target (there is none)")
        question, answer = case.require("input"), case.require("output")
        found = [v for swapper in self._swappers.values() for v in swapper.variants(question)][
            : self.max_variants
        ]
        if not found:
            return self.verdict(True, "no demographic term to swap", 1.0)
        expected = case.expected
        baseline = self._verdicts(case)
        lines, lowest, equal = [], 1.0, True
        for variant in found:
            restored = self._swappers[variant.dimension].swap(
                self._answer(variant.text, case), variant.source, variant.target
            )
            similarity = fuzz.ratio(normalize(answer), normalize(restored)) / 100
            lowest = min(lowest, similarity)
            swapped_case = EvalCase(
                input=variant.text, output=restored, expected=expected, contexts=case.contexts
            )
            verdicts = self._verdicts(swapped_case)
            equal = equal and verdicts == baseline
            passes = f", passes {sum(verdicts)}/{len(verdicts)}" if verdicts else ""
            lines.append(
                f"{variant.dimension} {variant.source}->{variant.target}: similarity {similarity:.2f}{passes}"
            )
        held = lowest >= self.pass_at and equal
        head = f"{len(found)} variants, lowest similarity {lowest:.2f}" + (
            f", original passes {sum(baseline)}/{len(baseline)}" if baseline else ""
        )
        return self.verdict(held, "; ".join([head, *lines]), round(lowest, 6))


ORIGINAL = "original"


def expand_examples(
    examples: Sequence[Any], dimensions: Sequence[str] | None = None, terms: Terms | None = None
):
    """Each example, then one example per counterfactual variant of its input (id ``ID~dimension:group``),
    with metadata ``counterfactual_of``, ``counterfactual_dimension`` and ``counterfactual_group``
    (``original`` for the example itself): ``--group-by counterfactual_group`` then gives the pass rate
    per variant group over the whole run, with the gap between the best and the worst."""
    from dataclasses import replace

    terms = terms or load_terms()
    swappers = [Swapper(d, terms[d]) for d in (dimensions or list(terms))]
    expanded = []
    for example in examples:
        base = {
            "counterfactual_of": example.id,
            "counterfactual_dimension": "",
            "counterfactual_group": ORIGINAL,
        }
        expanded.append(replace(example, metadata={**example.metadata, **base}))
        for swapper in swappers:
            for variant in swapper.variants(example.input):
                expected = example.expected
                if expected is not None:
                    expected = swapper.swap(expected, variant.source, variant.target)
                meta = {
                    **base,
                    "counterfactual_dimension": variant.dimension,
                    "counterfactual_group": variant.target,
                }
                expanded.append(
                    replace(
                        example,
                        id=f"{example.id}~{variant.dimension}:{variant.target}",
                        input=variant.text,
                        expected=expected,
                        output=None,
                        metadata={**example.metadata, **meta},
                    )
                )
    return expanded
