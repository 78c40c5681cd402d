"""``otel_llm.prompt``: prompt name and version on the spans and metrics of the model calls beneath it."""

from __future__ import annotations

import asyncio
import threading

import otel_llm
from otel_llm.semconv import attributes as A
from otel_llm.semconv import metrics as M
from otel_llm.telemetry import prompts

MESSAGES = [{"role": "user", "content": "Summarise: spans are units of work."}]


def _call(client) -> None:
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)


def _prompt_attributes(attributes) -> dict:
    return {key: value for key, value in attributes.items() if key.startswith("gen_ai.prompt.")}


def test_block_tags_span_and_every_metric(client, otel, instrument_openai):
    instrument_openai()
    with otel_llm.prompt("summarise", "v2", variables={"lang": "fr"}):
        _call(client)
    _call(client)  # outside the block: untagged
    tagged, untagged = otel.spans()
    assert _prompt_attributes(tagged.attributes) == {
        A.GEN_AI_PROMPT_NAME: "summarise",
        A.GEN_AI_PROMPT_VERSION: "v2",
    }  # variables are content: not recorded without capture
    assert _prompt_attributes(untagged.attributes) == {}
    points = otel.metric_points()
    for metric in (M.GEN_AI_CLIENT_OPERATION_DURATION, M.GEN_AI_CLIENT_TOKEN_USAGE):
        labels = sorted(
            (
                point.attributes.get(A.GEN_AI_PROMPT_NAME, ""),
                point.attributes.get(A.GEN_AI_PROMPT_VERSION, ""),
            )
            for point in points[metric]
        )
        per_call = 1 if metric == M.GEN_AI_CLIENT_OPERATION_DURATION else 2  # input and output tokens
        assert labels == [("", "")] * per_call + [("summarise", "v2")] * per_call, metric


def test_variables_are_recorded_with_content_capture(client, otel, instrument_openai):
    instrument_openai(capture_mode="SPAN_ONLY")
    with otel_llm.prompt("summarise", "v2", variables={"lang": "fr", "max_words": 20}):
        _call(client)
    (span,) = otel.spans()
    assert _prompt_attributes(span.attributes) == {
        A.GEN_AI_PROMPT_NAME: "summarise",
        A.GEN_AI_PROMPT_VERSION: "v2",
        "gen_ai.prompt.variable.lang": "fr",
        "gen_ai.prompt.variable.max_words": "20",
    }


def test_decorator_sync_and_async_and_nesting(client, async_client, otel, instrument_openai):
    instrument_openai()

    @otel_llm.prompt("outer", "1")
    def outer() -> None:
        _call(client)
        with otel_llm.prompt("inner"):
            _call(client)
        _call(client)

    @otel_llm.prompt("async", "3")
    async def run_async() -> str:
        response = await async_client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        return response.id

    outer()
    assert asyncio.run(run_async()).startswith("chatcmpl-")  # the wrapped function's result passes through
    names = [
        (span.attributes.get(A.GEN_AI_PROMPT_NAME), span.attributes.get(A.GEN_AI_PROMPT_VERSION))
        for span in otel.spans()
    ]
    assert names == [("outer", "1"), ("inner", None), ("outer", "1"), ("async", "3")]
    assert prompts.current_prompt() is None


def test_concurrent_tasks_and_threads_keep_their_own_prompt(client, async_client, otel, instrument_openai):
    instrument_openai()
    shared = otel_llm.prompt("shared", "t")  # one object entered by several tasks at once

    async def task(name: str) -> None:
        with otel_llm.prompt(name):
            await asyncio.sleep(0)
            await async_client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        with shared:
            await asyncio.sleep(0)
            await async_client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    async def both() -> None:
        await asyncio.gather(task("a"), task("b"))

    asyncio.run(both())

    def thread(name: str) -> None:
        with otel_llm.prompt(name):
            _call(client)

    threads = [threading.Thread(target=thread, args=(f"thread-{i}",)) for i in range(3)]
    for started in threads:
        started.start()
    for started in threads:
        started.join()
    names = sorted(span.attributes[A.GEN_AI_PROMPT_NAME] for span in otel.spans())
    assert names == ["a", "b", "shared", "shared", "thread-0", "thread-1", "thread-2"]


def test_metric_labels_are_capped_and_allow_listed(client, otel, instrument_openai, monkeypatch):
    instrument_openai()
    monkeypatch.setenv(prompts.METRIC_LIMIT_ENV, "2")
    monkeypatch.setenv(prompts.METRIC_NAMES_ENV, "summarise, answer")
    prompts.reset_metric_labels()
    for name, version in [("summarise", "1"), ("answer", "1"), ("summarise", "2"), ("other", "1")]:
        with otel_llm.prompt(name, version):
            _call(client)
    durations = otel.metric_points()[M.GEN_AI_CLIENT_OPERATION_DURATION]
    labels = sorted(
        (point.attributes[A.GEN_AI_PROMPT_NAME], point.attributes[A.GEN_AI_PROMPT_VERSION])
        for point in durations
    )
    # Past the cap of two pairs, and for a name not on the list: "_other". Spans keep the real names.
    assert labels == [("_other", "_other"), ("answer", "1"), ("summarise", "1")]
    assert [span.attributes[A.GEN_AI_PROMPT_VERSION] for span in otel.spans()] == ["1", "1", "2", "1"]
