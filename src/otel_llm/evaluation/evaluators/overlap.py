"""N-gram overlap with the expected answer: ROUGE-L (rouge-score) and BLEU (sacrebleu)."""

from __future__ import annotations

from otel_llm.evaluation.evaluators.base import GradedEvaluator
from otel_llm.evaluation.model import EvalCase, Score


class RougeL(GradedEvaluator):
    """ROUGE-L F-measure (longest common subsequence, Porter-stemmed) in [0, 1]."""

    def __init__(self, pass_at: float = 0.5, name: str = "rouge_l") -> None:
        super().__init__(name, pass_at)
        from rouge_score import rouge_scorer  # imports nltk: slow, so only when used

        self._scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)

    def evaluate(self, case: EvalCase) -> Score:
        result = self._scorer.score(case.require("expected"), case.require("output"))["rougeL"]
        return self.graded(result.fmeasure, f"precision {result.precision:.3f}, recall {result.recall:.3f}")


class Bleu(GradedEvaluator):
    """Sentence BLEU (sacrebleu, exponential smoothing) rescaled from 0-100 to [0, 1]."""

    def __init__(self, pass_at: float = 0.3, name: str = "bleu") -> None:
        super().__init__(name, pass_at)
        from sacrebleu.metrics import BLEU

        self._bleu = BLEU(effective_order=True)

    def evaluate(self, case: EvalCase) -> Score:
        result = self._bleu.sentence_score(case.require("output"), [case.require("expected")])
        return self.graded(result.score / 100.0, f"BLEU {result.score:.2f}")
