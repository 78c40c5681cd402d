from __future__ import annotations

import asyncio

import pytest

from otel_llm import guardrails
from otel_llm.guardrails import GuardrailViolation, Policy, Rule, guard, guarded
from otel_llm.guardrails.detectors.pii import PIIDetector
from otel_llm.guardrails.detectors.text import BannedSubstringsDetector


@pytest.fixture
def policy() -> Policy:
    return Policy(
        "api",
        [
            Rule("pii", PIIDetector(), "redact"),
            Rule("banned", BannedSubstringsDetector(["falcon"]), "block", "input"),
        ],
    )


def test_decorator_redacts_str_arguments_and_return_value(policy):
    received = {}

    @guard(policy)
    def answer(prompt: str, retries: int = 0, *, system: str = "") -> str:
        received.update(prompt=prompt, retries=retries, system=system)
        return "reach me at bob@example.com"

    assert answer("I am ann@example.org", 2, system="ssn 460-89-9847") == "reach me at <EMAIL_ADDRESS>"
    assert received == {"prompt": "I am <EMAIL_ADDRESS>", "retries": 2, "system": "ssn <US_SSN>"}


def test_decorator_blocks_before_the_call(policy):
    calls = []

    @guard(policy)
    def answer(prompt: str) -> str:
        calls.append(prompt)
        return "ok"

    with pytest.raises(GuardrailViolation):
        answer("about falcon")
    assert calls == []


def test_decorator_can_skip_outputs_and_guards_async_functions(policy):
    @guard(policy, outputs=False)
    async def answer(prompt: str) -> str:
        return f"echo {prompt} bob@example.com"

    assert asyncio.run(answer("ann@example.org")) == "echo <EMAIL_ADDRESS> bob@example.com"
    assert answer.__name__ == "answer"


def test_install_uninstall_and_scoped_context_manager(policy):
    other = Policy("other", [])
    assert guardrails.active_policy() is None
    guardrails.install(policy)
    try:
        assert guardrails.active_policy() is policy
        with guarded(other) as engine:
            assert guardrails.active_policy() is other
            assert engine is other.engine
        assert guardrails.active_policy() is policy
    finally:
        guardrails.uninstall()
    assert guardrails.active_policy() is None


def test_context_manager_scope_is_per_task(policy):
    async def inside() -> Policy | None:
        with guarded(policy):
            await asyncio.sleep(0)
            return guardrails.active_policy()

    async def outside() -> Policy | None:
        await asyncio.sleep(0)
        return guardrails.active_policy()

    async def both():
        return await asyncio.gather(inside(), outside())

    assert asyncio.run(both()) == [policy, None]
