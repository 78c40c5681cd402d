"""``invoke_model`` bodies by model family: Anthropic, Amazon Nova and Titan, Meta Llama, Mistral, and
the embedding models (Titan, Cohere).

Each family says its operation and how to read its request body, response body and stream chunks.
Anthropic Messages bodies are read by that format and Nova bodies by the Converse one.
Other families (Cohere, AI21, imported models) get the generic attributes and Bedrock's token counts.

Guardrails read and write the JSON bodies of the chat and text families (``Family.texts``): Anthropic
Messages and Nova as their chat formats; Titan, Llama, Mistral and Claude text completions by their
single ``prompt`` (or ``inputText``), which holds any system text of the app too. Response bodies and
stream chunks are recognised by their shape (:func:`texts_of`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from otel_llm.formats import anthropic_messages
from otel_llm.formats import bedrock_converse as _converse
from otel_llm.semconv import attributes as A
from otel_llm.telemetry import content
from otel_llm.telemetry.fields import Parameters, copy_given, request_parameters
from otel_llm.telemetry.guarding import TextMapping
from otel_llm.telemetry.invocation import Invocation
from otel_llm.telemetry.models import bedrock_model
from otel_llm.telemetry.text_locations import Answers, Fields, text_mapping

CHAT = A.GenAiOperationNameValues.CHAT
COMPLETION = A.GenAiOperationNameValues.TEXT_COMPLETION
EMBEDDINGS = A.GenAiOperationNameValues.EMBEDDINGS


@dataclass(frozen=True)
class Family:
    operation: str
    request_attributes: Callable[[dict[str, Any]], dict[str, Any]]
    input_content: Callable[[dict[str, Any]], tuple[Any, Any, Any]] | None
    read_response: Callable[[Invocation, dict[str, Any]], None]
    read_chunks: Callable[[Invocation, list[dict[str, Any]]], None]
    texts: TextMapping | None = None
    """Where the decoded request body, response body and stream chunks carry text, for guardrails."""


def decode(body: Any) -> dict[str, Any]:
    """A JSON body as a dict (``{}`` if it is not a JSON object)."""
    if isinstance(body, bytes | bytearray | str):
        try:
            decoded = json.loads(body)
        except ValueError:
            return {}
        return decoded if isinstance(decoded, dict) else {}
    return {}  # a file-like body: reading it would take it from the SDK


# -- where the texts sit: content capture and guardrails -------------------------------------------
# Prompt-in, text-out bodies: the prompt field in; the answer's text field out, in the body (its one
# output) or in each item of its list of outputs, and the same in a stream chunk, whose output's last
# chunk has its stop reason.


def _answers(text: str, stop: str, outputs: str | None, chunk_outputs: str | None) -> Answers:
    return Answers(
        text,
        choices=outputs,
        chunk_choices=chunk_outputs,
        message=None,
        delta=None,
        index=None,
        end=stop,
        fill_empty=True,
    )


TITAN_PROMPT = Fields(("inputText",), skip_empty=False)
PROMPT = Fields(("prompt",), skip_empty=False)
TITAN_ANSWERS = _answers("outputText", "completionReason", "results", None)
LLAMA_ANSWERS = _answers("generation", "stop_reason", None, None)
MISTRAL_ANSWERS = _answers("text", "stop_reason", "outputs", "outputs")
CLAUDE_TEXT_ANSWERS = _answers("completion", "stop_reason", None, None)
TITAN_TEXTS = text_mapping(TITAN_PROMPT, TITAN_ANSWERS)
LLAMA_TEXTS = text_mapping(PROMPT, LLAMA_ANSWERS)
MISTRAL_TEXTS = text_mapping(PROMPT, MISTRAL_ANSWERS)
CLAUDE_TEXT_TEXTS = text_mapping(PROMPT, CLAUDE_TEXT_ANSWERS)


def _answer(answers: Answers, body: dict[str, Any]) -> str:
    return "".join(answers.output_texts(body))


def _streamed(answers: Answers, chunks: list[dict[str, Any]]) -> str:
    return "".join(text for chunk in chunks for _, text, _ in answers.chunk_texts(chunk))


# -- prompt-in, text-out families ---------------------------------------------------------------


def _prompt_content(prompt: Fields | str) -> Callable[[dict[str, Any]], tuple[Any, Any, Any]]:
    prompt_key = prompt.names[0] if isinstance(prompt, Fields) else prompt

    def read(body: dict[str, Any]) -> tuple[Any, Any, Any]:
        return None, [{"role": "user", "parts": [content.text_part(str(body.get(prompt_key, "")))]}], None

    return read


def _completion(
    invocation: Invocation, text: str, reason: str | None, input_tokens: Any = None, output_tokens: Any = None
) -> None:
    if reason:
        invocation.finish_reasons = [reason]
    if input_tokens is not None:  # Titan's counts are JSON floats
        invocation.input_tokens = int(input_tokens)
    if output_tokens is not None:
        invocation.output_tokens = int(output_tokens)
    if invocation.capture:
        invocation.output_messages = [
            {"role": "assistant", "parts": [content.text_part(text)], "finish_reason": reason or ""}
        ]


def _params(
    parameters: Parameters, config_key: str | None = None
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def read(body: dict[str, Any]) -> dict[str, Any]:
        return copy_given(body.get(config_key) or {} if config_key else body, parameters)

    return read


def _titan_response(invocation: Invocation, body: dict[str, Any]) -> None:
    results = body.get("results") or [{}]
    output = sum(result.get("tokenCount") or 0 for result in results)
    text = _answer(TITAN_ANSWERS, body)
    _completion(
        invocation, text, results[-1].get("completionReason"), body.get("inputTextTokenCount"), output
    )


def _titan_chunks(invocation: Invocation, chunks: list[dict[str, Any]]) -> None:
    if chunks:
        last = chunks[-1]
        input_tokens = next((c["inputTextTokenCount"] for c in chunks if c.get("inputTextTokenCount")), None)
        _completion(
            invocation,
            _streamed(TITAN_ANSWERS, chunks),
            last.get("completionReason"),
            input_tokens,
            last.get("totalOutputTextTokenCount"),
        )


def _llama_response(invocation: Invocation, body: dict[str, Any]) -> None:
    _completion(
        invocation,
        _answer(LLAMA_ANSWERS, body),
        body.get("stop_reason"),
        body.get("prompt_token_count"),
        body.get("generation_token_count"),
    )


def _llama_chunks(invocation: Invocation, chunks: list[dict[str, Any]]) -> None:
    if chunks:
        generated = [chunk.get("generation_token_count") for chunk in chunks]
        _completion(
            invocation,
            _streamed(LLAMA_ANSWERS, chunks),
            chunks[-1].get("stop_reason"),
            next((c["prompt_token_count"] for c in chunks if c.get("prompt_token_count")), None),
            next((count for count in reversed(generated) if count is not None), None),
        )


def _mistral_response(invocation: Invocation, body: dict[str, Any]) -> None:
    outputs = body.get("outputs") or [{}]
    _completion(invocation, _answer(MISTRAL_ANSWERS, body), outputs[-1].get("stop_reason"))


def _mistral_chunks(invocation: Invocation, chunks: list[dict[str, Any]]) -> None:
    outputs = [output for chunk in chunks for output in chunk.get("outputs") or ()]
    if outputs:
        reason = next((o["stop_reason"] for o in reversed(outputs) if o.get("stop_reason")), None)
        _completion(invocation, _streamed(MISTRAL_ANSWERS, chunks), reason)


def _claude_text_response(invocation: Invocation, body: dict[str, Any]) -> None:
    _completion(invocation, _answer(CLAUDE_TEXT_ANSWERS, body), body.get("stop_reason"))


def _claude_text_chunks(invocation: Invocation, chunks: list[dict[str, Any]]) -> None:
    if chunks:
        reason = next((c["stop_reason"] for c in reversed(chunks) if c.get("stop_reason")), None)
        _completion(invocation, _streamed(CLAUDE_TEXT_ANSWERS, chunks), reason)


def _cohere_response(invocation: Invocation, body: dict[str, Any]) -> None:
    """Command R (``text``, ``finish_reason``) and Command (``generations``) bodies."""
    if body.get("response_id") or body.get("id"):
        invocation.response_id = body.get("response_id") or body.get("id")
    generations = body.get("generations")
    if isinstance(generations, list) and generations:
        text = "".join(g.get("text") or "" for g in generations if isinstance(g, dict))
        last = generations[-1] if isinstance(generations[-1], dict) else {}
        _completion(invocation, text, last.get("finish_reason"))
    else:
        _completion(invocation, body.get("text") or "", body.get("finish_reason"))


def _cohere_chunks(invocation: Invocation, chunks: list[dict[str, Any]]) -> None:
    if chunks:
        reason = next((c["finish_reason"] for c in reversed(chunks) if c.get("finish_reason")), None)
        _completion(
            invocation,
            "".join(c.get("text") or "" for c in chunks if c.get("is_finished") is not True),
            reason,
        )


def _titan_embedding(invocation: Invocation, body: dict[str, Any]) -> None:
    if body.get("inputTextTokenCount") is not None:
        invocation.input_tokens = int(body["inputTextTokenCount"])


def _ignore(invocation: Invocation, data: Any) -> None:
    """Unknown body formats: only Bedrock's own token counts are read."""


ANTHROPIC_MESSAGES = Family(
    CHAT,
    anthropic_messages.request_attributes,
    anthropic_messages.input_content,
    anthropic_messages.read_message,
    anthropic_messages.read_events,
    anthropic_messages.TEXTS,
)
ANTHROPIC_TEXT = Family(
    COMPLETION,
    _params(
        request_parameters(
            "temperature", "top_p", "top_k", "stop_sequences", max_tokens_to_sample="max_tokens"
        )
    ),
    _prompt_content(PROMPT),
    _claude_text_response,
    _claude_text_chunks,
    CLAUDE_TEXT_TEXTS,
)
NOVA = Family(
    CHAT,
    lambda body: _converse.request_attributes(body, _converse.NOVA_PARAMS),
    _converse.input_content,
    _converse.read_response,
    _converse.read_events,
    _converse.TEXTS,
)
TITAN = Family(
    COMPLETION,
    _params(
        request_parameters(
            "temperature", maxTokenCount="max_tokens", topP="top_p", stopSequences="stop_sequences"
        ),
        "textGenerationConfig",
    ),
    _prompt_content(TITAN_PROMPT),
    _titan_response,
    _titan_chunks,
    TITAN_TEXTS,
)
LLAMA = Family(
    COMPLETION,
    _params(request_parameters("temperature", "top_p", max_gen_len="max_tokens")),
    _prompt_content(PROMPT),
    _llama_response,
    _llama_chunks,
    LLAMA_TEXTS,
)
MISTRAL = Family(
    COMPLETION,
    _params(request_parameters("max_tokens", "temperature", "top_p", "top_k", stop="stop_sequences")),
    _prompt_content(PROMPT),
    _mistral_response,
    _mistral_chunks,
    MISTRAL_TEXTS,
)
TITAN_EMBEDDINGS = Family(
    EMBEDDINGS,
    lambda body: (
        {} if body.get("dimensions") is None else {A.GEN_AI_EMBEDDINGS_DIMENSION_COUNT: body["dimensions"]}
    ),
    None,
    _titan_embedding,
    _ignore,
)
COHERE = Family(
    COMPLETION,
    _params(
        (
            ("max_tokens", A.GEN_AI_REQUEST_MAX_TOKENS),
            ("temperature", A.GEN_AI_REQUEST_TEMPERATURE),
            ("p", A.GEN_AI_REQUEST_TOP_P),
            ("k", A.GEN_AI_REQUEST_TOP_K),
            ("stop_sequences", A.GEN_AI_REQUEST_STOP_SEQUENCES),
        )
    ),
    lambda body: _prompt_content("message" if "message" in body else "prompt")(body),
    _cohere_response,
    _cohere_chunks,
)
OTHER_EMBEDDINGS = Family(
    EMBEDDINGS, lambda body: {}, None, _ignore, _ignore
)  # Cohere: Bedrock's token counts
OTHER = Family(COMPLETION, lambda body: {}, _prompt_content("prompt"), _ignore, _ignore)
OTHER_CHAT = Family(CHAT, lambda body: {}, None, _ignore, _ignore)


def vendor(model_id: str) -> str:
    """``anthropic`` for ``anthropic.claude-…``, ``us.anthropic.claude-…`` and inference-profile ARNs."""
    return bedrock_model(model_id).split(".", 1)[0]


# keys of embedding request bodies (Titan: dimensions/normalize/embeddingTypes, Cohere: texts/input_type),
# for model ids that do not tell (application inference profiles are ARNs without the model's name)
_EMBEDDING_KEYS = ("dimensions", "normalize", "embeddingTypes", "texts", "input_type", "embedding_types")


def is_embeddings_body(body: dict[str, Any]) -> bool:
    return any(key in body for key in _EMBEDDING_KEYS) and "textGenerationConfig" not in body


def family_of(model_id: str, chat: bool, embeddings: bool = False) -> Family:
    """The family of a model's body; ``chat`` when the body has ``messages`` (the operation then is chat,
    so the family found again from the span's model and operation is the same); ``embeddings`` when the
    body (or the span's operation) says so."""
    kind = vendor(model_id)
    if embeddings or "embed" in model_id.rsplit("/", 1)[-1]:  # amazon.titan-embed-text-v2:0, cohere.embed-…
        return OTHER_EMBEDDINGS if kind == "cohere" else TITAN_EMBEDDINGS  # Titan's reader: its count if any
    if kind == "cohere" and not chat:
        return COHERE
    if kind == "anthropic":
        return ANTHROPIC_MESSAGES if chat else ANTHROPIC_TEXT
    if kind == "amazon":
        return NOVA if chat else TITAN
    if kind == "meta" and not chat:
        return LLAMA
    if kind == "mistral" and not chat:
        return MISTRAL
    return OTHER_CHAT if chat else OTHER


_SHAPES = (  # a key that only one family's response bodies or stream chunks have; the first found wins
    ("completion", CLAUDE_TEXT_TEXTS),  # before "type": Claude text responses have "type": "completion"
    ("generation", LLAMA_TEXTS),
    ("outputs", MISTRAL_TEXTS),
    ("results", TITAN_TEXTS),
    ("outputText", TITAN_TEXTS),
    ("output", _converse.TEXTS),
    ("contentBlockDelta", _converse.TEXTS),
    ("contentBlockStop", _converse.TEXTS),
    ("type", anthropic_messages.TEXTS),
)


def texts_of(data: dict[str, Any]) -> TextMapping | None:
    """The text mapping of a decoded response body or stream chunk, by its shape."""
    return next((texts for key, texts in _SHAPES if key in data), None)
