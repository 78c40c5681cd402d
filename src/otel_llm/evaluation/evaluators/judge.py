"""Model-graded evaluators: LLM-as-judge with a rubric, and RAG answer relevance and faithfulness.

The judge is any OpenAI-compatible client (``client.chat.completions.create``). Its call runs inside
:func:`~otel_llm.evaluation.hooks.judge_scope`, under the evaluated span when there is one, so the
instrumented judge call is traced beside the response it grades and marked
``otel_llm.evaluation.judge=true`` (online evaluation skips such spans).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from abc import abstractmethod
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from otel_llm.evaluation.evaluators.base import GradedEvaluator
from otel_llm.evaluation.hooks import install_span_hooks, judge_scope
from otel_llm.evaluation.model import EvalCase, Score

_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)

RATING_FORMAT = (
    'Answer with a JSON object only: {"rating": <integer from 1 to 5>, "explanation": "<one sentence>"}.'
)


class JudgeReplyError(ValueError):
    """The judge's reply was not the JSON object it was asked for."""


def parse_judge_reply(text: str, required: tuple[str, ...]) -> dict[str, Any]:
    """The JSON object in the judge's reply, which must hold the ``required`` keys."""
    match = _JSON_OBJECT.search(text or "")
    if match is None:
        raise JudgeReplyError(f"no JSON object in the judge's reply: {text!r:.200}")
    try:
        reply = json.loads(match.group(0))
    except ValueError as exc:
        raise JudgeReplyError(f"malformed JSON in the judge's reply: {exc}") from exc
    missing = [key for key in required if key not in reply]
    if missing:
        raise JudgeReplyError(f"the judge's reply lacks {', '.join(missing)}")
    return reply


_prices: Any = None


def _cost(model: str, input_tokens: int, output_tokens: int) -> float | None:
    """What one judge call of ``model`` cost, from the bundled price table (loaded once), or ``None``."""
    global _prices
    if _prices is None:
        from otel_llm.telemetry.pricing import load_price_table

        _prices = load_price_table()
    return _prices.cost(None, (model,), input_tokens, output_tokens)


class JudgeUsage:
    """What a judge spent: calls made, answers served from its cache, tokens, and cost when priced."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = self.cached = self.input_tokens = self.output_tokens = 0
        self.cost_usd: float | None = None

    def add_call(self, model: str, completion: Any) -> None:
        usage = getattr(completion, "usage", None)
        tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
        tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        cost = _cost(getattr(completion, "model", None) or model, tokens_in, tokens_out)
        with self._lock:
            self.calls += 1
            self.input_tokens += tokens_in
            self.output_tokens += tokens_out
            if cost is not None:
                self.cost_usd = round((self.cost_usd or 0.0) + cost, 10)

    def add_cached(self) -> None:
        with self._lock:
            self.cached += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": self.calls,
                "cached": self.cached,
                "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens,
                "cost_usd": self.cost_usd,
            }


def judge_usage(evaluators: Iterable[Any]) -> dict[str, Any]:
    """Calls, cache hits, tokens and cost of the model-graded evaluators among ``evaluators``."""
    totals: dict[str, Any] = {
        "calls": 0,
        "cached": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "cost_usd": None,
    }
    for evaluator in evaluators:
        usage = getattr(evaluator, "usage", None)
        if usage is None:
            continue
        snapshot = usage.snapshot()
        for key in ("calls", "cached", "input_tokens", "output_tokens"):
            totals[key] += snapshot[key]
        if snapshot["cost_usd"] is not None:
            totals["cost_usd"] = round((totals["cost_usd"] or 0.0) + snapshot["cost_usd"], 10)
    return totals


class ModelGradedEvaluator(GradedEvaluator):
    """Base of the judges: sends a system and a user prompt, turns the JSON reply into a score.

    Replies are cached by (model, prompts), at most ``cache_size`` of them, so an answer seen again is
    not paid for twice; ``usage`` counts calls, cache hits, tokens and cost. Retries with backoff are
    the client's (the openai SDK's ``max_retries``).
    """

    system_prompt: str
    required_keys: tuple[str, ...] = ("rating",)

    def __init__(self, client: Any, model: str, name: str, pass_at: float, cache_size: int = 10_000) -> None:
        super().__init__(name, pass_at)
        self.client = client
        self.model = model
        self.usage = JudgeUsage()
        self._cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()

    @abstractmethod
    def user_prompt(self, case: EvalCase) -> str:
        """The question put to the judge about ``case``."""

    def score_reply(self, reply: dict[str, Any]) -> Score:
        """Default: a 1-5 ``rating`` mapped onto [0, 1]."""
        rating = float(reply["rating"])
        if not 1 <= rating <= 5:
            raise JudgeReplyError(f"rating {rating} is outside 1-5")
        return self.graded((rating - 1) / 4, str(reply.get("explanation") or "") or None)

    def evaluate(self, case: EvalCase) -> Score:
        prompt = self.user_prompt(case)
        key = hashlib.sha256(json.dumps([self.model, self.system_prompt, prompt]).encode()).hexdigest()
        with self._cache_lock:
            reply = self._cache.get(key)
        if reply is not None:
            self.usage.add_cached()
            return self.score_reply(reply)
        install_span_hooks()
        with judge_scope(case.span.span_context() if case.span else None):
            completion = self.client.chat.completions.create(
                model=self.model,
                temperature=0.0,
                messages=[
                    {"role": "system", "content": self.system_prompt},
                    {"role": "user", "content": prompt},
                ],
            )
        self.usage.add_call(self.model, completion)
        reply = parse_judge_reply(completion.choices[0].message.content, self.required_keys)
        score = self.score_reply(reply)  # a reply that does not score is not cached
        with self._cache_lock:
            self._cache[key] = reply
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return score


class RubricJudge(ModelGradedEvaluator):
    """Grades the answer against a free-text rubric on a 1-5 scale."""

    def __init__(self, client: Any, model: str, rubric: str, pass_at: float = 0.75, name: str = "llm_judge"):
        super().__init__(client, model, name, pass_at)
        self.rubric = rubric
        self.system_prompt = (
            "You grade answers of an AI assistant against a rubric. 1 means the answer fails the rubric "
            f"entirely, 5 that it meets it fully. {RATING_FORMAT}"
        )

    def user_prompt(self, case: EvalCase) -> str:
        parts = [f"Rubric:\n{self.rubric}"]
        if case.input:
            parts.append(f"Question:\n{case.input}")
        if case.expected:
            parts.append(f"Reference answer:\n{case.expected}")
        parts.append(f"Answer to grade:\n{case.require('output')}")
        return "\n\n".join(parts)


class AnswerRelevance(ModelGradedEvaluator):
    """How directly the answer addresses the question (RAG), 1-5 mapped onto [0, 1]."""

    system_prompt = (
        "You judge whether an answer addresses the question asked. 1 means it is off-topic or evasive, "
        f"5 that it answers exactly what was asked, without digressions. {RATING_FORMAT}"
    )

    def __init__(self, client: Any, model: str, pass_at: float = 0.75, name: str = "answer_relevance"):
        super().__init__(client, model, name, pass_at)

    def user_prompt(self, case: EvalCase) -> str:
        return f"Question:\n{case.require('input')}\n\nAnswer:\n{case.require('output')}"


class Faithfulness(ModelGradedEvaluator):
    """Share of the answer's claims that the retrieved contexts support (RAG), in [0, 1]."""

    system_prompt = (
        "You check an answer against the retrieved context it was based on. List the factual claims "
        "of the answer and count how many the context supports. Answer with a JSON object only: "
        '{"supported": <int>, "total": <int>, "explanation": "<one sentence naming unsupported claims>"}.'
    )
    required_keys = ("supported", "total")

    def __init__(self, client: Any, model: str, pass_at: float = 0.8, name: str = "faithfulness"):
        super().__init__(client, model, name, pass_at)

    def user_prompt(self, case: EvalCase) -> str:
        context = "\n---\n".join(case.require("contexts"))
        return f"Context:\n{context}\n\nAnswer:\n{case.require('output')}"

    def score_reply(self, reply: dict[str, Any]) -> Score:
        supported, total = int(reply["supported"]), int(reply["total"])
        if total <= 0 or not 0 <= supported <= total:
            raise JudgeReplyError(f"inconsistent claim counts: {supported} of {total}")
        explanation = str(reply.get("explanation") or "") or None
        return self.graded(
            supported / total, f"{supported}/{total} claims supported. {explanation or ''}".strip()
        )
