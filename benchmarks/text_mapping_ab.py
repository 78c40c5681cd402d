"""The cost of reading a call's texts, the working tree against a git revision: content capture
(``input_content``) and the guardrail reader and writer (``TEXTS.input_texts``/``with_input_texts``) of
the OpenAI chat and Anthropic Messages formats, on a 6-message request with text, image and tool parts.

    nice .venv/bin/python benchmarks/text_mapping_ab.py HEAD~1 --pairs 3

One process per side, alternating (``ab.py``); each times each function in rounds of
``--calls`` calls (thread CPU time) and keeps the median over rounds, in µs per call. Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from ab import WORKING_TREE, alternate

CHAT = {
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is in this picture?"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look closely."},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "look", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "a cat on a mat"},
        {"role": "user", "content": "And its colour?"},
    ]
}
MESSAGES = {
    "system": "You are terse.",
    "messages": [
        {"role": "user", "content": "What is in this picture?"},
        {"role": "user", "content": [{"type": "text", "text": "Look closely."}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "look", "input": {}}]},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "a cat"}]}
            ],
        },
        {"role": "assistant", "content": "A cat."},
        {"role": "user", "content": "And its colour?"},
    ],
}


def _time(function: Callable[[], Any], rounds: int, calls: int) -> float:
    medians = []
    for _ in range(rounds):
        start = time.thread_time_ns()
        for _ in range(calls):
            function()
        medians.append((time.thread_time_ns() - start) / calls / 1000)
    return statistics.median(medians)


def measure(rounds: int, calls: int) -> dict[str, float]:
    from otel_llm.formats import anthropic_messages, openai_chat

    try:
        from otel_llm.formats.anthropic_messages import TEXTS as anthropic_texts
    except ImportError:  # before the texts were described in the format
        from otel_llm.formats.anthropic_messages_texts import TEXTS as anthropic_texts
    chat_texts = openai_chat.TEXTS.input_texts(CHAT)
    messages_texts = anthropic_texts.input_texts(MESSAGES)
    chat_redacted = [f"<{text}>" for text in chat_texts]
    messages_redacted = [f"<{text}>" for text in messages_texts]
    functions: dict[str, Callable[[], Any]] = {
        "chat content": lambda: openai_chat.input_content(CHAT),
        "chat guardrail read": lambda: openai_chat.TEXTS.input_texts(CHAT),
        "chat guardrail write": lambda: openai_chat.TEXTS.with_input_texts(CHAT, chat_redacted),
        "messages content": lambda: anthropic_messages.input_content(MESSAGES),
        "messages guardrail read": lambda: anthropic_texts.input_texts(MESSAGES),
        "messages guardrail write": lambda: anthropic_texts.with_input_texts(MESSAGES, messages_redacted),
    }
    return {name: _time(function, rounds, calls) for name, function in functions.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", nargs="?", default="HEAD")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.rounds, args.calls)))
        return
    results: dict[str, list[dict[str, float]]] = {args.revision: [], WORKING_TREE: []}
    arguments = ["--rounds", str(args.rounds), "--calls", str(args.calls)]
    for _, name, result in alternate(__file__, args.revision, args.pairs, arguments):
        results[name].append(result)
    names = list(results[args.revision][0])
    lines = [f"| µs/call (median of {args.pairs} processes) | " + " | ".join(results) + " |", "|---|---|---|"]
    for function in names:
        cells = [f"{statistics.median(r[function] for r in results[side]):.2f}" for side in results]
        lines.append(f"| {function} | " + " | ".join(cells) + " |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
