"""Skip an OTLP exporter's work while the collector does not accept connections.

An OTLP exporter encodes each batch to protobuf before it sends it, on the SDK's export threads, and the
encoding holds the GIL: about 45 ms of CPU per batch of 512 chat spans, 60 ms per 512 log records with
content captured, during which the app's threads wait. While the collector is down, every batch is encoded
only to be dropped after the retries. ``ReachabilityGate`` wraps an exporter: before the first export and
after a failed one, it first opens a TCP connection to the collector's host and port, and only once that
connects is the batch encoded and sent. While connections fail it tries again with the SDK's exponential
backoff (about 1, 2, 4 ... s) within the exporter timeout, so a batch still survives a collector restart
shorter than the timeout, and then drops the batch, as the SDK would after its retries. From then on (the
collector down for a whole timeout) batches are dropped as they come, with one connection attempt a
second, until one connects. Then ``QueueWhileReachable`` keeps the batch processors from queueing what
would be dropped: it lets one span or log record a second through, whose export is the probe, and the
rest is freed where it ends. Telemetry ended in the seconds between the collector's return and that
export (at most the processor's schedule delay plus the interval) is lost with the outage's.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import wrapt

logger = logging.getLogger(__name__)


def collector_address(endpoint: str) -> tuple[str, int] | None:
    """Host and port of an OTLP endpoint (an HTTP URL, or gRPC's ``host:port``); ``None`` where a TCP
    connection would not tell whether the collector is up: a Unix socket, or a proxy in between."""
    parts = urlsplit(endpoint if "://" in endpoint else f"//{endpoint}")
    if parts.scheme not in ("", "http", "https", "grpc") or not parts.hostname:
        return None
    try:
        port = parts.port or (80 if parts.scheme == "http" else 443)
    except ValueError:
        return None
    import urllib.request  # here: it costs tens of milliseconds, which console and none set-ups need not pay

    proxies = urllib.request.getproxies()
    if {"http", "https", "grpc"} & proxies.keys() and not urllib.request.proxy_bypass(parts.hostname):
        return None
    return parts.hostname, port


PROBE_INTERVAL = 1.0
"""Seconds between connection attempts once the collector has refused them for a whole timeout."""


class ReachabilityGate(wrapt.ObjectProxy):
    """An exporter that encodes and sends a batch only while its collector accepts TCP connections;
    every other attribute (temporality, aggregation, shutdown ...) is the wrapped exporter's."""

    def __init__(self, exporter: Any, address: tuple[str, int], failure: Any, timeout: float) -> None:
        super().__init__(exporter)
        self._self_address = address
        self._self_failure = failure  # the signal's ExportResult.FAILURE
        self._self_timeout = timeout
        self._self_reachable = False  # unknown until the first connection
        self._self_stopped = threading.Event()
        self._self_down = False  # no connection for a whole timeout: batches are dropped as they come
        self._self_next_probe = 0.0

    def export(self, batch: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._self_reachable and not self._collector_accepts():
            return self._self_failure
        result = self.__wrapped__.export(batch, *args, **kwargs)
        self._self_reachable = getattr(result, "name", None) == "SUCCESS"
        if self._self_reachable and self._self_down:
            self._self_down = False
            logger.warning("otel-llm: the collector at %s:%d accepts exports again", *self._self_address)
        return result

    def shutdown(self, *args: Any, **kwargs: Any) -> Any:
        self._self_stopped.set()  # a batch waiting for the collector is dropped now
        return self.__wrapped__.shutdown(*args, **kwargs)

    def _collector_accepts(self) -> bool:
        """Whether a batch may be encoded. A short outage (a restart) is waited out within the timeout;
        in a longer one, batches are dropped at once, so the queues do not stay full (the app's threads
        would pay for collecting and freeing what they hold), with one attempt per ``PROBE_INTERVAL``."""
        if not self._self_down:
            return self._wait_for_collector()
        now = time.monotonic()
        if now < self._self_next_probe:
            return False
        self._self_next_probe = now + PROBE_INTERVAL
        return self._connects(min(self._self_timeout, 1.0))

    def _connects(self, timeout: float) -> bool:
        try:
            socket.create_connection(self._self_address, timeout=max(timeout, 0.01)).close()
            return True
        except OSError:
            return False

    def _wait_for_collector(self) -> bool:
        deadline = time.monotonic() + self._self_timeout
        retry = 0
        while not self._self_stopped.is_set():
            if self._connects(min(deadline - time.monotonic(), 1.0)):
                return True
            backoff = 2**retry * random.uniform(0.8, 1.2)  # the SDK exporters' schedule
            if backoff > deadline - time.monotonic():
                break
            self._self_stopped.wait(backoff)
            retry += 1
        if not self._self_stopped.is_set():
            self._self_down = True
            self._self_next_probe = time.monotonic() + PROBE_INTERVAL
            logger.warning("otel-llm: the collector at %s:%d accepts no connection; batches are dropped, "
                           "without being encoded, until it does", *self._self_address)  # fmt: skip
        return False

    @property
    def dropping(self) -> bool:
        """Whether batches are dropped as they come (the collector down for a whole timeout)."""
        return self._self_down


class QueueWhileReachable(wrapt.ObjectProxy):
    """A batch processor that, while its exporter's gate drops batches as they come, queues only one span
    or log record per ``PROBE_INTERVAL`` (each export is a probe of the collector) and lets the rest go
    at once. A queued item would only be dropped later, after the app's threads had paid to collect and
    free it with the rest of its batch (a full queue holds thousands); now it is freed where it ends."""

    def __init__(self, processor: Any, gate: ReachabilityGate) -> None:
        super().__init__(processor)
        self._self_gate = gate
        self._self_next_pass = 0.0

    def _queues(self) -> bool:
        if not self._self_gate.dropping:
            return True
        now = time.monotonic()
        if now < self._self_next_pass:
            return False
        self._self_next_pass = now + PROBE_INTERVAL
        return True

    def on_end(self, span: Any) -> None:  # spans
        if self._queues():
            self.__wrapped__.on_end(span)

    def on_emit(self, record: Any) -> None:  # log records (current SDKs)
        if self._queues():
            self.__wrapped__.on_emit(record)

    def emit(self, record: Any) -> None:  # log records (older SDKs)
        if self._queues():
            self.__wrapped__.emit(record)


def queue_while_reachable(processor: Any, exporter: Any) -> Any:
    """``processor``, wrapped in ``QueueWhileReachable`` when its ``exporter`` is gated."""
    return QueueWhileReachable(processor, exporter) if isinstance(exporter, ReachabilityGate) else processor
