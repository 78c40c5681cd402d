"""Skip an OTLP exporter's work while the collector does not accept connections.

An OTLP exporter encodes each batch to protobuf before it sends it, on the SDK's export threads, and the
encoding holds the GIL: about 45 ms of CPU per batch of 512 chat spans, 60 ms per 512 log records with
content captured, during which the app's threads wait. While the collector is down, every batch is encoded
only to be dropped after the retries. ``ReachabilityGate`` wraps an exporter: before the first export and
after a failed one, it first opens a TCP connection to the collector's host and port, and only once that
connects is the batch encoded and sent. While connections fail it tries again with the SDK's exponential
backoff (about 1, 2, 4 ... s) within the exporter timeout, so a batch still survives a collector restart
shorter than the timeout, and then drops the batch, as the SDK would after its retries.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
import urllib.request
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
    proxies = urllib.request.getproxies()
    if {"http", "https", "grpc"} & proxies.keys() and not urllib.request.proxy_bypass(parts.hostname):
        return None
    return parts.hostname, port


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
        self._self_warned = False  # once per outage, not per dropped batch

    def export(self, batch: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._self_reachable and not self._wait_for_collector():
            return self._self_failure
        result = self.__wrapped__.export(batch, *args, **kwargs)
        self._self_reachable = getattr(result, "name", None) == "SUCCESS"
        if self._self_reachable and self._self_warned:
            self._self_warned = False
            logger.warning("otel-llm: the collector at %s:%d accepts exports again", *self._self_address)
        return result

    def shutdown(self, *args: Any, **kwargs: Any) -> Any:
        self._self_stopped.set()  # a batch waiting for the collector is dropped now
        return self.__wrapped__.shutdown(*args, **kwargs)

    def _wait_for_collector(self) -> bool:
        deadline = time.monotonic() + self._self_timeout
        retry = 0
        while not self._self_stopped.is_set():
            remaining = deadline - time.monotonic()
            try:
                socket.create_connection(self._self_address, timeout=max(min(remaining, 1.0), 0.01)).close()
                return True
            except OSError:
                pass
            backoff = 2**retry * random.uniform(0.8, 1.2)  # the SDK exporters' schedule
            if backoff > deadline - time.monotonic():
                break
            self._self_stopped.wait(backoff)
            retry += 1
        level = logging.DEBUG if self._self_warned else logging.WARNING
        self._self_warned = True
        logger.log(level, "otel-llm: the collector at %s:%d accepts no connection; batch dropped, and "
                   "batches are not encoded until it does", *self._self_address)  # fmt: skip
        return False
