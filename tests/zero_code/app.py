"""A plain app that knows nothing of OpenTelemetry: run under ``opentelemetry-instrument``."""

import os

import openai

client = openai.OpenAI(base_url=os.environ["FAKE_OPENAI_BASE_URL"], api_key="sk-test")
reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}])
print("APP-OK", reply.choices[0].finish_reason)
