"""The sample app with a versioned system prompt, tagged with ``otel_llm.prompt``: ``answer`` uses the
version in ``EVAL_APP_PROMPT_VERSION``; ``answer_ab`` alternates v6 and v7 call by call (an A/B test).
It instruments the OpenAI SDK when imported, as an app would: only the eval CLI's processes import it."""

from __future__ import annotations

import itertools
import os

import otel_llm
from otel_llm.instrumentation.openai import OpenAIInstrumentor

from .eval_app import BASE_URL_ENV, _client
from .versioned_prompts import PROMPT_NAME, SYSTEM_PROMPTS, VERSION_ENV

OpenAIInstrumentor().instrument()
_turns = itertools.count()


def _ask(question: str, version: str) -> str:
    with otel_llm.prompt(PROMPT_NAME, version):
        completion = _client(os.environ[BASE_URL_ENV]).chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "system", "content": SYSTEM_PROMPTS[version]},
                {"role": "user", "content": question},
            ],
        )
    return completion.choices[0].message.content


def answer(question: str) -> str:
    return _ask(question, os.environ[VERSION_ENV])


def answer_ab(question: str) -> str:
    return _ask(question, ("v6", "v7")[next(_turns) % 2])
