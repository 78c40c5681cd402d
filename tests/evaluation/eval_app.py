"""A small instrumented app used as the ``--target`` of evaluation runs: one chat call per question."""

from __future__ import annotations

import functools
import os

import openai

BASE_URL_ENV = "EVAL_APP_BASE_URL"


@functools.cache
def _client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key="test-key", max_retries=0)


def answer(question: str) -> str:
    completion = _client(os.environ[BASE_URL_ENV]).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )
    return completion.choices[0].message.content


async def answer_async(question: str) -> str:
    """The async variant; its client lives in the call's own event loop."""
    async with openai.AsyncOpenAI(
        base_url=os.environ[BASE_URL_ENV], api_key="test-key", max_retries=0
    ) as client:
        completion = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
        )
    return completion.choices[0].message.content


def answer_with_sources(question: str) -> dict:
    """A RAG-shaped target: the answer plus the contexts it was based on."""
    return {"output": answer(question), "contexts": [f"Source text about: {question}"]}


CALLS: list[str] = []
"""Inputs :func:`echo` was called with, so tests can tell whether the target ran."""


def echo(question: str) -> str:
    """A target without a model: answers with the question itself."""
    CALLS.append(question)
    return question
