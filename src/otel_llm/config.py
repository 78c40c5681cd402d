"""Settings read once, at instrument time, from ``OTEL_*`` and ``OTEL_LLM_*`` environment variables."""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
CONTENT_MAX_LENGTH_ENV = "OTEL_LLM_CONTENT_MAX_LENGTH"
PRICES_FILE_ENV = "OTEL_LLM_PRICES_FILE"
CHUNK_METRIC_ENV = "OTEL_LLM_CHUNK_METRIC"
SEMCONV_OPT_IN_ENV = "OTEL_SEMCONV_STABILITY_OPT_IN"

DEFAULT_CONTENT_MAX_LENGTH = 16384

ContentHook = Callable[[str, Any], Any]
"""``hook(attribute_name, value) -> value``: called on each content value before it is recorded.

``value`` is the structured content (list of messages, list of parts or list of tool definitions);
the hook returns the value to record (it may redact in place or build a new one). If it raises,
the content is dropped rather than recorded unredacted.
"""


class CaptureMode(enum.Enum):
    NO_CONTENT = "NO_CONTENT"
    SPAN_ONLY = "SPAN_ONLY"
    EVENT_ONLY = "EVENT_ONLY"
    SPAN_AND_EVENT = "SPAN_AND_EVENT"

    @property
    def on_span(self) -> bool:
        return self in (CaptureMode.SPAN_ONLY, CaptureMode.SPAN_AND_EVENT)

    @property
    def on_event(self) -> bool:
        return self in (CaptureMode.EVENT_ONLY, CaptureMode.SPAN_AND_EVENT)


_LEGACY_CAPTURE = {"true": CaptureMode.SPAN_AND_EVENT, "false": CaptureMode.NO_CONTENT}


def parse_capture_mode(raw: str | None) -> CaptureMode:
    """Read the capture mode; ``true``/``false`` are the legacy spellings of SPAN_AND_EVENT/NO_CONTENT."""
    if not raw:
        return CaptureMode.NO_CONTENT
    value = raw.strip()
    if value.lower() in _LEGACY_CAPTURE:
        return _LEGACY_CAPTURE[value.lower()]
    try:
        return CaptureMode[value.upper()]
    except KeyError:
        logger.warning("%s=%r is not a known mode; content is not captured", CAPTURE_CONTENT_ENV, raw)
        return CaptureMode.NO_CONTENT


class ChunkMetric(enum.Enum):
    """How ``gen_ai.client.operation.time_per_output_chunk`` is recorded for streams."""

    EACH = "each"  # one measurement per chunk after the first, as the convention says (the default)
    OFF = "off"  # not recorded


class SemconvMode(enum.Enum):
    """Which GenAI convention names are emitted (``OTEL_SEMCONV_STABILITY_OPT_IN``, docs/semconv-modes.md)."""

    DEFAULT = "default"  # the v1.41-era names
    LATEST = "gen_ai_latest_experimental"  # the latest experimental names only
    DUP = "gen_ai_latest_experimental/dup"  # both, for a migration window

    @property
    def emits_default(self) -> bool:
        return self is not SemconvMode.LATEST

    @property
    def emits_latest(self) -> bool:
        return self is not SemconvMode.DEFAULT


def parse_semconv_mode(raw: str | None) -> SemconvMode:
    """The GenAI mode in a comma-separated opt-in list (other domains' values, ``http``, are ignored);
    ``/dup`` wins over the plain value, as in the OTel HTTP migration."""
    values = {value.strip().lower() for value in (raw or "").split(",")}
    for mode in (SemconvMode.DUP, SemconvMode.LATEST):
        if mode.value in values:
            return mode
    return SemconvMode.DEFAULT


@dataclass(frozen=True)
class Settings:
    capture_mode: CaptureMode = CaptureMode.NO_CONTENT
    content_max_length: int = DEFAULT_CONTENT_MAX_LENGTH
    prices_file: str | None = None
    chunk_metric: ChunkMetric = ChunkMetric.EACH
    content_hook: ContentHook | None = None
    semconv_mode: SemconvMode = SemconvMode.DEFAULT

    @property
    def captures_content(self) -> bool:
        return self.capture_mode is not CaptureMode.NO_CONTENT


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        logger.warning("%s=%r is not an integer; using %d", name, raw, default)
        return default


def _chunk_metric(raw: str | None) -> ChunkMetric:
    try:
        return ChunkMetric((raw or "each").strip().lower())
    except ValueError:
        logger.warning("%s=%r is not one of each/off; using each", CHUNK_METRIC_ENV, raw)
        return ChunkMetric.EACH


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from the environment; keyword arguments override single fields."""
    env = os.environ if env is None else env
    settings = Settings(
        capture_mode=parse_capture_mode(env.get(CAPTURE_CONTENT_ENV)),
        content_max_length=_int(env, CONTENT_MAX_LENGTH_ENV, DEFAULT_CONTENT_MAX_LENGTH),
        prices_file=env.get(PRICES_FILE_ENV) or None,
        chunk_metric=_chunk_metric(env.get(CHUNK_METRIC_ENV)),
        semconv_mode=parse_semconv_mode(env.get(SEMCONV_OPT_IN_ENV)),
    )
    fields = {k: v for k, v in overrides.items() if v is not None}
    if isinstance(fields.get("capture_mode"), str):
        fields["capture_mode"] = parse_capture_mode(fields["capture_mode"])
    if isinstance(fields.get("semconv_mode"), str):
        fields["semconv_mode"] = parse_semconv_mode(fields["semconv_mode"])
    return Settings(**{**settings.__dict__, **fields}) if fields else settings
