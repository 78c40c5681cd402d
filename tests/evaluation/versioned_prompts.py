"""The versioned system prompts of ``versioned_app``, importable without instrumenting anything (the app
instruments the OpenAI SDK at import, which must not happen in the test process)."""

PROMPT_NAME = "math-answer"
SYSTEM_PROMPTS = {
    "v6": "Work it out step by step, then give the result as '#### <number>'.",
    "v7": "Reply with the result only.",
}
VERSION_ENV = "EVAL_APP_PROMPT_VERSION"
