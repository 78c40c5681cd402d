"""E2E app: one call judged by each source of evaluation results, exported over OTLP like an app's.

Runs as its own process, instrumented by ``otel_llm.instrument()``, with the real ``openai`` SDK against
the demo's fake provider. Prints one JSON line per judged call: ``{"source", "trace_id", "span_id",
"response_id", "evaluation"}``, where ``span_id`` is the LLM span the result must be a child of.

- ``offline``: an offline run (``OfflineRunner``) of one example, scored by ``exact_match``;
- ``online``: the in-process ``SamplingEvaluator`` at sample rate 1, scored by ``regex``;
- ``feedback``: ``record_feedback`` by response id, a thumbs down.
"""

from __future__ import annotations

import json
import sys

from opentelemetry.trace import format_span_id, format_trace_id

import openai
import otel_llm
from otel_llm.demo.fake_server import FakeOpenAIServer
from otel_llm.evaluation import SamplingEvaluator, install_span_hooks, record_feedback
from otel_llm.evaluation.datasets import Example
from otel_llm.evaluation.evaluators import ExactMatch, RegexMatch
from otel_llm.evaluation.runner import OfflineRunner

ANSWER = "Paris"


def report(source: str, evaluation: str, context, response_id: str) -> None:
    line = {
        "source": source,
        "evaluation": evaluation,
        "trace_id": format_trace_id(context.trace_id),
        "span_id": format_span_id(context.span_id),
        "response_id": response_id,
    }
    print(json.dumps(line), flush=True)


def main() -> int:
    handle = otel_llm.instrument()
    hooks = install_span_hooks()
    try:
        with FakeOpenAIServer(responder=lambda body: ANSWER) as server:
            client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)

            def ask(question: str) -> openai.types.chat.ChatCompletion:
                return client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
                )

            run = OfflineRunner(lambda question: ask(question), [ExactMatch()]).run(
                [Example("capital", "Capital of France?", expected=ANSWER)]
            )
            (example,) = run.examples
            offline_span = hooks.span_for_response(example.response_id)
            report("offline", "exact_match", offline_span, example.response_id)

            sampler = SamplingEvaluator([RegexMatch(ANSWER)], sample_rate=1.0).install()
            online = ask("Where is the Louvre?")
            assert sampler.force_flush(10_000)
            sampler.shutdown()
            report("online", "regex", hooks.span_for_response(online.id), online.id)

            judged = ask("Which city hosts the Eiffel Tower?")
            linked = record_feedback(
                response_id=judged.id, score=0.0, label="thumbs_down", comment="Too short."
            )
            report("feedback", "user_feedback", linked, judged.id)
    finally:
        handle.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
