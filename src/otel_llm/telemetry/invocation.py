"""The lifecycle of one GenAI operation: start -> response or chunks -> end or fail.

Provider instrumentors map their SDK's request and response objects onto :class:`Invocation` fields;
span naming, attribute rules, metrics, content capture, cost and the exactly-once end live here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cached_property
from time import perf_counter
from typing import Any

from opentelemetry import _logs, context, metrics, trace
from opentelemetry._logs import SeverityNumber
from opentelemetry.context import Context
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import SpanKind, Status, StatusCode

from otel_llm._version import __version__
from otel_llm.config import Settings, load_settings
from otel_llm.semconv import attributes as A
from otel_llm.semconv import events as E
from otel_llm.telemetry import content, values
from otel_llm.telemetry.conventions import ConventionMetrics, cache_write_keys
from otel_llm.telemetry.conversation import current_conversation_id
from otel_llm.telemetry.ending import end_span
from otel_llm.telemetry.instruments import GenAIInstruments
from otel_llm.telemetry.pricing import PriceTable, load_price_table
from otel_llm.telemetry.prompts import current_prompt
from otel_llm.telemetry.scrub import error_text

logger = logging.getLogger(__name__)

SCHEMA_URL = "https://opentelemetry.io/schemas/1.41.0"
INSTRUMENTATION_SCOPE = "otel_llm"

# While a GenAI span of ours is current, nested GenAI instrumentation (a framework calling an SDK,
# LiteLLM calling OpenAI) records nothing, and HTTP client instrumentation is suppressed too:
# one real model call is one span.
GENAI_SPAN_KEY = context.create_key("otel-llm-genai-span")
try:  # the key the HTTP client instrumentations (httpx, requests, urllib3, aiohttp) honour
    from opentelemetry.instrumentation.utils import _SUPPRESS_HTTP_INSTRUMENTATION_KEY as HTTP_SUPPRESS_KEY
except ImportError:  # pragma: no cover - older opentelemetry-instrumentation
    HTTP_SUPPRESS_KEY = "suppress_http_instrumentation"

_COUNTS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens", "reasoning_tokens")
_CONTENT_KEYS = (A.GEN_AI_SYSTEM_INSTRUCTIONS, A.GEN_AI_INPUT_MESSAGES, A.GEN_AI_TOOL_DEFINITIONS)
# Request parameters typed double by the conventions that apps often pass as ints (temperature=1).
_DOUBLE_PARAMETERS = (
    A.GEN_AI_REQUEST_TEMPERATURE,
    A.GEN_AI_REQUEST_TOP_P,
    A.GEN_AI_REQUEST_TOP_K,
    A.GEN_AI_REQUEST_FREQUENCY_PENALTY,
    A.GEN_AI_REQUEST_PRESENCE_PENALTY,
)


class GenAITelemetry:
    """The one telemetry configuration: the tracer, meter and logger providers passed in (the global ones
    where none is), the settings (capture mode, content hook, size limit, prices) and the prices.

    Model calls record through it; guardrails and evaluation take their tracers, meters and loggers from
    it (:meth:`tracer`, :meth:`meter`, :meth:`logger`) and record content through :meth:`content`, so the
    capture mode and the content hook apply to them too.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        logger_provider: _logs.LoggerProvider | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self.logger_provider = logger_provider
        self.tracer = self.get_tracer(INSTRUMENTATION_SCOPE, SCHEMA_URL)
        self.meter = self.get_meter(INSTRUMENTATION_SCOPE, SCHEMA_URL)
        self.instruments = GenAIInstruments(self.meter)
        self.metrics = ConventionMetrics(self.meter, self.settings, self.instruments)
        self.cache_write_keys = cache_write_keys(self.settings.semconv_mode)
        self.event_logger = self.get_logger(INSTRUMENTATION_SCOPE, SCHEMA_URL)
        self.capture = self.settings.captures_content

    def get_tracer(self, scope: str, schema_url: str | None = None) -> trace.Tracer:
        return trace.get_tracer(scope, __version__, self.tracer_provider, schema_url=schema_url)

    def get_meter(self, scope: str, schema_url: str | None = None) -> metrics.Meter:
        return metrics.get_meter(scope, __version__, self.meter_provider, schema_url=schema_url)

    def get_logger(self, scope: str, schema_url: str | None = None) -> _logs.Logger:
        return _logs.get_logger(
            scope, __version__, logger_provider=self.logger_provider, schema_url=schema_url
        )

    @cached_property
    def prices(self) -> PriceTable:
        """The price table, loaded on first use (``instrument()`` starts loading it)."""
        return load_price_table(self.settings.prices_file)

    def content(self, key: str, value: Any) -> Any:
        """A content value as it may be recorded under ``key``: through the content hook, within the size
        limit; ``None`` when the hook drops it."""
        value = content.apply_hook(self.settings.content_hook, key, value)
        return None if value is None else content.limit_size(value, self.settings.content_max_length)

    def start(
        self,
        operation: str,
        provider: str,
        model: str | None,
        server_address: str | None = None,
        server_port: int | None = None,
        request_attributes: dict[str, Any] | None = None,
        stream: bool = False,
    ) -> Invocation | None:
        """Start the span (with the sampling-relevant attributes); ``None`` when suppressed."""
        if context.get_value(GENAI_SPAN_KEY) or not is_instrumentation_enabled():
            return None
        attributes: dict[str, Any] = {A.GEN_AI_OPERATION_NAME: operation, A.GEN_AI_PROVIDER_NAME: provider}
        if model:
            attributes[A.GEN_AI_REQUEST_MODEL] = model
        if server_address:
            attributes[A.SERVER_ADDRESS] = server_address
            if server_port:
                attributes[A.SERVER_PORT] = server_port
        metric_attributes = attributes.copy()
        conversation_id = current_conversation_id()
        if conversation_id:
            attributes[A.GEN_AI_CONVERSATION_ID] = conversation_id
        tag = current_prompt()
        if tag is not None:
            attributes.update(tag.span_attributes)
            metric_attributes.update(tag.metric_attributes)
            if self.capture:
                attributes.update(tag.variable_attributes)
        if request_attributes:
            attributes.update(request_attributes)
            for key in _DOUBLE_PARAMETERS:
                value = attributes.get(key)
                if type(value) is int:
                    attributes[key] = float(value)
            attributes = values.clean_attributes(attributes)  # the app's arguments: any value may come
        if stream:
            attributes[A.GEN_AI_REQUEST_STREAM] = True
        name = f"{operation} {model}" if model else operation
        span = self.tracer.start_span(name, kind=SpanKind.CLIENT, attributes=attributes)
        return Invocation(self, span, attributes, metric_attributes, stream)


class Invocation:
    """One operation in flight. Providers set the response fields; :meth:`end` records everything once."""

    __slots__ = (
        "_ended",
        "cache_creation_tokens",
        "cache_read_tokens",
        "chunk_times",
        "extra_attributes",
        "extra_metric_attributes",
        "finish_reasons",
        "input_content",
        "input_tokens",
        "metric_attributes",
        "output_messages",
        "output_tokens",
        "reasoning_tokens",
        "response_id",
        "response_model",
        "sensitive",
        "span",
        "start_attributes",
        "start_time",
        "stream",
        "telemetry",
    )

    def __init__(
        self,
        telemetry: GenAITelemetry,
        span: trace.Span,
        start_attributes: dict[str, Any],
        metric_attributes: dict[str, Any],
        stream: bool,
    ) -> None:
        self.telemetry = telemetry
        self.span = span
        self.start_attributes = start_attributes
        self.metric_attributes = metric_attributes
        self.stream = stream
        self.start_time = perf_counter()
        self.chunk_times: list[float] = []
        self.response_model: str | None = None
        self.response_id: str | None = None
        self.finish_reasons: list[str] | None = None
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.cache_read_tokens: int | None = None
        self.cache_creation_tokens: int | None = None
        self.reasoning_tokens: int | None = None
        self.extra_attributes: dict[str, Any] = {}
        self.extra_metric_attributes: dict[str, Any] | None = None
        self.input_content: tuple[Any, Any, Any] | None = None  # system instructions, messages, tools
        self.output_messages: list[dict[str, Any]] | None = None
        # texts to scrub from recorded error messages (the client's keys...), read only when the call fails
        self.sensitive: Callable[[], Iterable[str]] | None = None
        self._ended = False

    @property
    def capture(self) -> bool:
        """Whether content is captured: providers build content structures only when it is."""
        return self.telemetry.capture

    @property
    def ended(self) -> bool:
        return self._ended

    def call_context(self) -> context.Context:
        """The context to run the SDK call in: our span current, nested GenAI and HTTP spans suppressed."""
        ctx = Context({**context.get_current(), GENAI_SPAN_KEY: True, HTTP_SUPPRESS_KEY: True})
        return trace.set_span_in_context(self.span, ctx)

    def redact_input(self, originals: list[str], redacted: list[str]) -> None:
        """Guardrails changed the call's input texts: the captured input content follows."""
        if self.input_content is not None:
            replacements = {o: r for o, r in zip(originals, redacted) if o and o != r}
            system, messages, tools = (content.replace_texts(v, replacements) for v in self.input_content)
            self.input_content = (system, messages, tools)

    def callback_context(self) -> context.Context:
        """The context to run the app's own code in when the SDK calls it back (a tool): our span
        current, nothing suppressed."""
        current = context.get_current()
        ctx = Context({k: v for k, v in current.items() if k not in (GENAI_SPAN_KEY, HTTP_SUPPRESS_KEY)})
        return trace.set_span_in_context(self.span, ctx)

    # -- ending --------------------------------------------------------------------------------

    def end(self) -> None:
        """Record the response attributes, metrics and content, then end the span. Idempotent."""
        if self._ended:
            return
        self._ended = True
        try:
            self._record(None)
        except Exception:
            logger.exception("otel-llm failed to record a GenAI operation")
        finally:
            end_span(self.span)

    def fail(self, error: BaseException) -> None:
        """End the operation as failed by ``error`` (which the caller re-raises unchanged)."""
        if self._ended:
            return
        self._ended = True
        try:
            self._record(error)
        except Exception:
            logger.exception("otel-llm failed to record a GenAI operation")
        finally:
            end_span(self.span)

    def _validate_fields(self) -> None:
        """Drop response fields of the wrong type, one by one (a provider read them as the SDK gave them)."""
        for name in _COUNTS:
            value = getattr(self, name)
            if value is not None and values.count(value) is not value:
                setattr(self, name, values.count(value))
        if self.response_model is not None:
            self.response_model = values.text(self.response_model)
        if self.response_id is not None:
            self.response_id = values.text(self.response_id)
        if self.finish_reasons is not None:
            self.finish_reasons = values.texts(self.finish_reasons)

    def _record(self, error: BaseException | None) -> None:
        end_time = perf_counter()
        self._validate_fields()
        attributes = values.clean_attributes(self._response_attributes())
        base_attributes = self.metric_attributes  # the time-to-chunk metrics carry only these
        if self.response_model:
            base_attributes[A.GEN_AI_RESPONSE_MODEL] = self.response_model
        metric_attributes = base_attributes
        if self.extra_metric_attributes:
            metric_attributes = {**base_attributes, **self.extra_metric_attributes}
        message = None
        if error is not None:
            error_type = type(error).__qualname__
            attributes[A.ERROR_TYPE] = error_type
            metric_attributes = {**metric_attributes, A.ERROR_TYPE: error_type}
            message = error_text(error, self.sensitive)
            self.span.set_status(Status(StatusCode.ERROR, message))
        self.span.set_attributes(attributes)
        if self.telemetry.capture:
            self._record_content(attributes)
        self.telemetry.metrics.record(self, end_time - self.start_time, metric_attributes, base_attributes)
        if error is not None:
            self._emit_exception(error, message)

    def _response_attributes(self) -> dict[str, Any]:
        attributes = self.extra_attributes
        if self.response_model:
            attributes[A.GEN_AI_RESPONSE_MODEL] = self.response_model
        if self.response_id:
            attributes[A.GEN_AI_RESPONSE_ID] = self.response_id
        if self.finish_reasons:
            attributes[A.GEN_AI_RESPONSE_FINISH_REASONS] = self.finish_reasons
        if self.input_tokens is not None:
            attributes[A.GEN_AI_USAGE_INPUT_TOKENS] = self.input_tokens
        if self.output_tokens is not None:
            attributes[A.GEN_AI_USAGE_OUTPUT_TOKENS] = self.output_tokens
        if self.cache_read_tokens is not None:
            attributes[A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = self.cache_read_tokens
        if self.cache_creation_tokens is not None:
            for key in self.telemetry.cache_write_keys:
                attributes[key] = self.cache_creation_tokens
        if self.reasoning_tokens is not None:
            attributes[A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = self.reasoning_tokens
        if self.stream and self.chunk_times:
            attributes[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = self.chunk_times[0] - self.start_time
        cost = self._cost()
        if cost is not None:
            attributes[A.OTEL_LLM_USAGE_COST_USD] = cost
            attributes[A.OTEL_LLM_PRICE_TABLE_VERSION] = self.telemetry.prices.version
        return attributes

    def _cost(self) -> float | None:
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return self.telemetry.prices.cost(
            self.start_attributes.get(A.GEN_AI_PROVIDER_NAME),
            (self.response_model, self.start_attributes.get(A.GEN_AI_REQUEST_MODEL)),
            self.input_tokens or 0,
            self.output_tokens or 0,
            self.cache_read_tokens or 0,
            self.cache_creation_tokens or 0,
            self.reasoning_tokens or 0,
        )

    # -- content -------------------------------------------------------------------------------

    def _content_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if self.input_content is not None:
            for key, value in zip(_CONTENT_KEYS, self.input_content):
                if value:
                    values[key] = self.telemetry.content(key, value)
        if self.output_messages:
            values[A.GEN_AI_OUTPUT_MESSAGES] = self.telemetry.content(
                A.GEN_AI_OUTPUT_MESSAGES, self.output_messages
            )
        return {key: value for key, value in values.items() if value is not None}

    def _record_content(self, attributes: dict[str, Any]) -> None:
        content_values = self._content_values()
        mode = self.telemetry.settings.capture_mode
        if mode.on_span and content_values:
            self.span.set_attributes(
                {key: values.utf8(content.to_json(value, 0)) for key, value in content_values.items()}
            )
        if mode.on_event:
            event_attributes = {**self.start_attributes, **attributes, **content_values}
            self.telemetry.event_logger.emit(
                event_name=E.GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
                severity_number=SeverityNumber.DEBUG,
                attributes=event_attributes,
                context=trace.set_span_in_context(self.span),
            )

    def _emit_exception(self, error: BaseException, message: str | None) -> None:
        self.telemetry.event_logger.emit(
            event_name=E.GEN_AI_CLIENT_OPERATION_EXCEPTION,
            severity_number=SeverityNumber.WARN,
            attributes={A.EXCEPTION_TYPE: type(error).__qualname__, A.EXCEPTION_MESSAGE: message},
            context=trace.set_span_in_context(self.span),
        )
