"""E2E workload: real ``openai`` SDK calls against the demo's fake provider, instrumented by otel-llm.

Runs as its own process (so its global OTel providers never meet the test session's), exporting
OTLP to wherever ``OTEL_EXPORTER_OTLP_ENDPOINT`` points. Each call runs under a parent span
``workload <kind>`` in a trace of its own. One JSON line per call goes to stdout:
``{"kind", "trace_id", "parent_span_id", "model", "ok"}``.

Usage: ``python workload.py --rounds N [--interval S] [--kinds chat,stream,...]``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time

from opentelemetry import trace

import openai
import otel_llm
from otel_llm.demo.fake_server import FAILING_MODEL, FakeOpenAIServer
from otel_llm.evaluation import install_span_hooks, record_feedback
from otel_llm.evaluation.evaluators import CostThreshold, GuardrailFindings, LatencyThreshold
from otel_llm.evaluation.model import FAIL, PASS, Score
from otel_llm.evaluation.telemetry import ScoreRecorder
from otel_llm.guardrails import Policy, Rule

SEEDED_EMAIL = "jane.doe.e2e@example.com"
SEEDED_API_KEY = "sk-proj-E2eSeededKey0123456789abcdefXYZ"
GUARDED_EMAIL = "guarded.user@example.com"
LOW_SCORE = 0.25
BELOW_PASS_MARK = 0.7
"""A score above the sampler's low-score threshold (0.5) that still fails its evaluator (pass_at 0.8)."""
UNIT_SCORES = (
    (Score("latency", 0.42, PASS, passed=True), LatencyThreshold.unit),
    (Score("cost", 0.00042, PASS, passed=True), CostThreshold.unit),
    (Score("guardrail_findings", 2.0, FAIL, passed=False), GuardrailFindings.unit),
)
"""Scores in seconds, dollars and findings, recorded on the evaluated call: each on its own histogram."""
SLOW_CALL_SECONDS = 1.2
LONG_PROMPT_CHARS = 20_000


@functools.cache
def pii_policy() -> Policy:
    """A one-rule policy (e-mail and other PII redacted from prompts), built on first use."""
    return Policy(
        "e2e-pii", [Rule.from_dict({"id": "pii", "detector": "pii", "action": "redact", "source": "input"})]
    )


def _chat(client: openai.OpenAI):
    return "gpt-4o-mini", client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "What is OpenTelemetry?"}]
    )


def _stream(client: openai.OpenAI):
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Explain time to first token."}],
        stream=True,
        stream_options={"include_usage": True},
    )
    return "gpt-4o", "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def _secret(client: openai.OpenAI):
    prompt = f"My e-mail is {SEEDED_EMAIL} and my key is {SEEDED_API_KEY}; please remember both."
    return "gpt-4o-mini", client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}]
    )


def _long(client: openai.OpenAI):
    return "gpt-4o-mini", client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "x" * LONG_PROMPT_CHARS}]
    )


def _embeddings(client: openai.OpenAI):
    return "text-embedding-3-small", client.embeddings.create(model="text-embedding-3-small", input="hello")


def _fail(client: openai.OpenAI):
    return FAILING_MODEL, client.chat.completions.create(
        model=FAILING_MODEL, messages=[{"role": "user", "content": "This call fails."}]
    )


def _guarded(client: openai.OpenAI):
    prompt = pii_policy().check_input(f"Write to {GUARDED_EMAIL} for me.").text
    return "gpt-4o-mini", client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}]
    )


def _evaluated(client: openai.OpenAI):
    model, response = _chat(client)
    recorder, context = ScoreRecorder("online"), trace.get_current_span().get_span_context()
    recorder.record(Score("relevance", value=LOW_SCORE), context, response.id)
    for score, unit in UNIT_SCORES:
        recorder.record(score, context, response.id, unit)
    return model, response


def _failed_check(client: openai.OpenAI):
    model, response = _chat(client)
    ScoreRecorder("online").record(
        Score("faithfulness", BELOW_PASS_MARK, FAIL, passed=False),
        trace.get_current_span().get_span_context(),
        response.id,
    )
    return model, response


def _feedback(client: openai.OpenAI):
    """A call the user gives a thumbs down, by its response id (the span hooks find its span)."""
    model, response = _chat(client)
    record_feedback(response_id=response.id, label="thumbs_down", comment="Not what I asked.")
    return model, response


def _slow(client: openai.OpenAI):
    """A call whose trace lasts over a second (the app does slow work around it)."""
    model, response = _chat(client)
    time.sleep(SLOW_CALL_SECONDS)
    return model, response


def _scored(client: openai.OpenAI):
    """A call the app scores itself, recording the result as an event on its span."""
    model, response = _chat(client)
    trace.get_current_span().add_event(
        "gen_ai.evaluation.result",
        {"gen_ai.evaluation.name": "relevance", "gen_ai.evaluation.score.value": LOW_SCORE},
    )
    return model, response


PROMPT_NAME = "e2e-answer"
VERSIONED_MODEL = "gpt-4.1-mini"


def _versioned(client: openai.OpenAI):
    """The same question under two versions of a prompt template (otel_llm.prompt)."""
    for version in ("v1", "v2"):
        with otel_llm.prompt(PROMPT_NAME, version):
            response = client.chat.completions.create(
                model=VERSIONED_MODEL, messages=[{"role": "user", "content": f"Answer briefly ({version})."}]
            )
    return VERSIONED_MODEL, response


CALLS = {
    "chat": _chat,
    "stream": _stream,
    "secret": _secret,
    "long": _long,
    "embeddings": _embeddings,
    "fail": _fail,
    "guarded": _guarded,
    "evaluated": _evaluated,
    "failed_check": _failed_check,
    "feedback": _feedback,
    "slow": _slow,
    "scored": _scored,
    "versioned": _versioned,
}


def run(rounds: int, interval: float, kinds: list[str]) -> None:
    handle = otel_llm.instrument()
    install_span_hooks()  # before the calls, so feedback by response id finds their spans
    tracer = trace.get_tracer("otel_llm.e2e.workload")
    try:
        with FakeOpenAIServer(chunk_delay=0.002) as server:
            client = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
            for _ in range(rounds):
                for kind in kinds:
                    with tracer.start_as_current_span(f"workload {kind}") as parent:
                        context = parent.get_span_context()
                        try:
                            model, _ = CALLS[kind](client)
                            ok = True
                        except openai.APIError:
                            model, ok = FAILING_MODEL, False
                    print(
                        json.dumps(
                            {
                                "kind": kind,
                                "trace_id": f"{context.trace_id:032x}",
                                "parent_span_id": f"{context.span_id:016x}",
                                "model": model,
                                "ok": ok,
                            }
                        ),
                        flush=True,
                    )
                time.sleep(interval)
    finally:
        handle.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.0, help="seconds between rounds")
    parser.add_argument(
        "--kinds",
        default="chat,stream,secret,long,embeddings,fail,guarded,evaluated,versioned",
        help=f"comma-separated call kinds, of: {', '.join(CALLS)}",
    )
    args = parser.parse_args(argv)
    run(args.rounds, args.interval, args.kinds.split(","))
    return 0


if __name__ == "__main__":
    sys.exit(main())
