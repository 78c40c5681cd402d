"""The deterministic evaluators on hand-made cases, with exact scores."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from otel_llm.evaluation.evaluators import (
    Bleu,
    Contains,
    CostThreshold,
    ExactMatch,
    GuardrailFindings,
    JsonSchemaMatch,
    JsonValid,
    LatencyThreshold,
    NumericMatch,
    RegexMatch,
    RougeL,
    StringSimilarity,
    build_evaluator,
)
from otel_llm.evaluation.evaluators.base import Evaluator
from otel_llm.evaluation.evaluators.text import final_number
from otel_llm.evaluation.model import EvalCase, Score

from .helpers import guardrail_span, llm_span


def case(output: str | None = None, expected: str | None = None, **kwargs) -> EvalCase:
    return EvalCase(input="q", output=output, expected=expected, **kwargs)


def test_exact_match_is_lenient_on_case_and_spaces_unless_strict():
    assert ExactMatch()(case(" Paris\n", "paris")) == Score("exact_match", 1.0, "pass", None, True)
    assert ExactMatch(strict=True)(case(" Paris\n", "paris")).passed is False
    assert ExactMatch()(case("Lyon", "Paris")) == Score("exact_match", 0.0, "fail", None, False)


def test_contains_uses_given_text_or_expected():
    assert Contains("BLUE")(case("the sky is blue")).passed is True
    miss = Contains()(case("the sky is grey", "blue"))
    assert (miss.value, miss.label, miss.explanation) == (0.0, "fail", "'blue' not found in the output")


def test_regex_searches_anywhere():
    assert RegexMatch(r"\d{4}-\d{2}")(case("due 2026-11")).passed is True
    assert RegexMatch(r"^\d+$")(case("12 apples")).explanation == r"no match for /^\d+$/"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("She makes 9 * 2 = $18 every day.\n#### 18", "18"),
        ("#### 1,250", "1250"),
        ("It costs 3.50 then 7.25 dollars", "7.25"),
        ("#### -4", "-4"),
        ("no digits here", None),
    ],
)
def test_final_number_follows_gsm8k_convention(text, number):
    assert final_number(text) == (None if number is None else Decimal(number))


def test_numeric_match_compares_final_answers():
    gsm8k = "Janet sells 16 - 3 - 4 = 9 duck eggs a day.\n#### 18"
    assert NumericMatch()(case("So the answer is 18.", gsm8k)).passed is True
    wrong = NumericMatch()(case("The answer is 17", gsm8k))
    assert (wrong.value, wrong.explanation) == (0.0, "expected 18, got 17")
    assert NumericMatch()(case("no idea", gsm8k)).explanation == "no number in the output"
    assert NumericMatch(tolerance=0.5)(case("#### 18.4", gsm8k)).passed is True


def test_json_validity_accepts_a_fenced_block():
    assert JsonValid()(case('```json\n{"a": 1}\n```')).passed is True
    bad = JsonValid()(case("{'a': 1}"))
    assert bad.passed is False and bad.explanation.startswith("invalid JSON: Expecting property name")


def test_json_schema_reports_where_it_fails():
    schema = {"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}
    evaluator = JsonSchemaMatch(schema)
    assert evaluator(case('{"age": 3}')).passed is True
    wrong = evaluator(case('{"age": "three"}'))
    assert (wrong.passed, wrong.explanation) == (False, "age: 'three' is not of type 'integer'")
    assert evaluator(case("[]")).explanation == "(root): [] is not of type 'object'"


def test_string_similarity_is_rapidfuzz_ratio():
    score = StringSimilarity()(case("kitten", "sitting"))
    assert score.value == pytest.approx(0.615385, abs=1e-6)  # Indel: 1 - 5/13
    assert score.passed is False
    assert StringSimilarity(pass_at=0.6)(case("kitten", "sitting")).passed is True


def test_rouge_l_and_bleu_on_known_pairs():
    same = case("the cat sat on the mat", "the cat sat on the mat")
    assert RougeL()(same).value == 1.0
    assert Bleu()(same).value == 1.0
    partial = RougeL()(case("the cat sat", "the cat sat on the mat"))
    assert partial.value == pytest.approx(2 * 1.0 * 0.5 / 1.5, abs=1e-6)  # P=1, R=3/6
    assert partial.explanation == "precision 1.000, recall 0.500"
    assert Bleu()(case("a completely different sentence", "the cat sat on the mat")).value < 0.1


def test_latency_and_cost_read_the_spans():
    span = llm_span(duration_ms=1500, cost=0.0021)
    other = llm_span(span_id=0x99, cost=0.0004)
    slow = LatencyThreshold(1.0)(case(span=span, spans=(other, span)))
    assert (slow.value, slow.passed, slow.explanation) == (1.5, False, "1.500s (limit 1.0s)")
    cost = CostThreshold(0.003)(case(span=span, spans=(other, span)))
    assert (cost.value, cost.passed) == (0.0025, True)
    assert LatencyThreshold(1.0)(case()).error_type == "missing_span"
    assert CostThreshold(1)(case(span=span, spans=(llm_span(),))).error_type == "ValueError"


def test_guardrail_findings_count_events_and_acting_checks():
    spans = (
        llm_span(),
        guardrail_span("pass"),
        guardrail_span("redact", findings=2),
        guardrail_span("block"),
    )
    score = GuardrailFindings()(case(span=spans[0], spans=spans))
    assert (score.value, score.passed, score.explanation) == (3.0, False, "block x1, redact x2")
    clean = GuardrailFindings()(case(span=spans[0], spans=spans[:2]))
    assert (clean.value, clean.passed, clean.explanation) == (0.0, True, "no findings")


def test_a_failing_evaluator_yields_an_error_score():
    class Broken(Evaluator):
        name = "broken"

        def evaluate(self, case):
            raise KeyError("boom")

    assert Broken()(case("x")) == Score("broken", None, None, "KeyError: 'boom'", None, "KeyError")
    assert ExactMatch()(case("x")) == Score(
        "exact_match", explanation="the case has no expected", error_type="missing_expected"
    )


def test_specs_build_configured_evaluators(tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "array"}))
    assert build_evaluator("rouge_l=0.25").pass_at == 0.25
    assert build_evaluator("regex=^a=b$").pattern.pattern == "^a=b$"
    assert build_evaluator(f"json_schema=@{schema}")(case("[1]")).passed is True
    assert build_evaluator("latency=2").max_seconds == 2.0
    assert build_evaluator("exact_match=strict").strict is True
    with pytest.raises(ValueError, match="unknown evaluator 'nope'"):
        build_evaluator("nope")
    with pytest.raises(ValueError, match="needs an argument: regex="):
        build_evaluator("regex")
    with pytest.raises(ValueError, match="needs a judge model"):
        build_evaluator("faithfulness")
