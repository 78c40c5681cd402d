"""The demo's sample app: a small assistant that uses the real ``openai`` SDK the way apps do.

It knows nothing about otel-llm: the instrumentation records its calls. The only telemetry it makes
itself is what an app adds by hand: one ``demo.session`` span around the session, and an
``execute_tool`` span (GenAI conventions) around the tool it runs for the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from opentelemetry import trace
from opentelemetry.trace import SpanKind

import openai
from otel_llm.demo.fake_server import FAILING_MODEL, default_responder, last_user_text
from otel_llm.semconv import attributes as A

if TYPE_CHECKING:
    from openai.types.chat import (
        ChatCompletionAssistantMessageParam,
        ChatCompletionFunctionToolParam,
        ChatCompletionMessageParam,
    )

SESSION_SPAN = "demo.session"
CHAT_MODEL = "gpt-4o-mini"
EMBEDDING_MODEL = "text-embedding-3-small"
SYSTEM_PROMPT = "You are a concise assistant that explains observability."

WEATHER_TOOL: ChatCompletionFunctionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
        },
    },
}


ANSWERS = {
    "What is OpenTelemetry?": "OpenTelemetry is a vendor-neutral framework for traces, metrics and logs. "
    "It lets you instrument once and send telemetry to any backend.",
    "Why does time to first token matter?": "Time to first token is how long a user waits before the answer "
    "starts to appear; with streaming it is the latency that users feel most.",
    "Weather in Paris?": "It is 18 °C and partly cloudy in Paris right now, says the get_weather tool: "
    "a light jacket will do for a walk along the Seine today.",
    "How is the cost of a call computed?": "Cost per call is input tokens times the input price plus output "
    "tokens times the output price, with cached input billed at a discount.",
}
"""The fake provider's answer to each question the session asks (so captured content reads true)."""


def answer(body: dict[str, Any]) -> str:
    """The fake server's responder for the demo: each question gets its own answer."""
    return ANSWERS.get(last_user_text(body)) or default_responder(body)


def get_weather(city: str) -> dict[str, Any]:
    """The tool the model may call: a fixed forecast, so the demo needs no network."""
    return {"city": city, "temperature_c": 18, "conditions": "partly cloudy"}


TOOLS = {"get_weather": get_weather}


@dataclass
class SessionResult:
    """What the sample app produced: its trace id and the text of each step's outcome."""

    trace_id: int
    outcomes: dict[str, str] = field(default_factory=dict)


def run_session(client: openai.OpenAI, tracer: trace.Tracer, capture_content: bool = False) -> SessionResult:
    """Run every step of the sample app under one ``demo.session`` span.

    ``capture_content`` adds the tool's arguments and result to its ``execute_tool`` span (opt-in
    attributes, like message content).
    """
    with tracer.start_as_current_span(SESSION_SPAN, kind=SpanKind.INTERNAL) as session:
        result = SessionResult(session.get_span_context().trace_id)
        result.outcomes["chat"] = chat(client, "What is OpenTelemetry?")
        result.outcomes["stream"] = stream_chat(client, "Why does time to first token matter?")
        result.outcomes["tool call"] = tool_round_trip(client, tracer, "Weather in Paris?", capture_content)
        result.outcomes["embeddings"] = embed(client, ["traces", "metrics", "logs"])
        result.outcomes["responses"] = respond(client, "How is the cost of a call computed?")
        result.outcomes["failing call"] = call_missing_model(client)
        return result


def _messages(question: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": question}]


def chat(client: openai.OpenAI, question: str) -> str:
    completion = client.chat.completions.create(
        model=CHAT_MODEL, messages=_messages(question), temperature=0.2, max_tokens=200
    )
    return completion.choices[0].message.content or ""


def stream_chat(client: openai.OpenAI, question: str) -> str:
    stream = client.chat.completions.create(
        model=CHAT_MODEL, messages=_messages(question), stream=True, stream_options={"include_usage": True}
    )
    parts = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
    return "".join(parts)


def tool_round_trip(client: openai.OpenAI, tracer: trace.Tracer, question: str, capture_content: bool) -> str:
    """Ask, run the tool call the model asks for, send the result back, return the final answer."""
    messages = _messages(question)
    first = client.chat.completions.create(model=CHAT_MODEL, messages=messages, tools=[WEATHER_TOOL])
    reply = first.choices[0].message
    # the SDK's message, dumped, is the request's assistant message (the shape its docs show)
    messages.append(cast("ChatCompletionAssistantMessageParam", reply.model_dump(exclude_none=True)))
    for call in reply.tool_calls or ():
        output = _execute_tool(tracer, call, capture_content)
        messages.append({"role": "tool", "tool_call_id": call.id, "content": output})
    final = client.chat.completions.create(model=CHAT_MODEL, messages=messages, tools=[WEATHER_TOOL])
    return final.choices[0].message.content or ""


def _execute_tool(tracer: trace.Tracer, call: Any, capture_content: bool) -> str:
    """Run one tool call under an ``execute_tool`` span, as the GenAI conventions ask apps to."""
    name = call.function.name
    attributes: dict[str, Any] = {
        A.GEN_AI_OPERATION_NAME: "execute_tool",
        A.GEN_AI_TOOL_NAME: name,
        A.GEN_AI_TOOL_CALL_ID: call.id,
        A.GEN_AI_TOOL_TYPE: "function",
        A.GEN_AI_TOOL_DESCRIPTION: WEATHER_TOOL["function"]["description"],
    }
    if capture_content:
        attributes[A.GEN_AI_TOOL_CALL_ARGUMENTS] = call.function.arguments
    span_name = f"execute_tool {name}"
    with tracer.start_as_current_span(span_name, kind=SpanKind.INTERNAL, attributes=attributes) as span:
        output = json.dumps(TOOLS[name](**json.loads(call.function.arguments)))
        if capture_content:
            span.set_attribute(A.GEN_AI_TOOL_CALL_RESULT, output)
        return output


def embed(client: openai.OpenAI, texts: list[str]) -> str:
    response = client.embeddings.create(model=EMBEDDING_MODEL, input=texts)
    return f"{len(response.data)} vectors of {len(response.data[0].embedding)} dimensions"


def respond(client: openai.OpenAI, question: str) -> str:
    response = client.responses.create(model=CHAT_MODEL, instructions=SYSTEM_PROMPT, input=question)
    return response.output_text


def call_missing_model(client: openai.OpenAI) -> str:
    """A call that fails as a real one can: the app catches the SDK's error and carries on."""
    try:
        client.chat.completions.create(model=FAILING_MODEL, messages=_messages("Hello?"))
    except openai.NotFoundError as error:
        return f"{type(error).__name__}: {error.status_code} {error.code}"
    return "unexpected success"
