"""Tiny loopback OTLP receivers (HTTP/protobuf and gRPC) that keep every export request they get."""

from __future__ import annotations

import gzip
import threading
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

# signal -> (request message, response message)
MESSAGES = {
    "traces": (trace_service_pb2.ExportTraceServiceRequest, trace_service_pb2.ExportTraceServiceResponse),
    "metrics": (
        metrics_service_pb2.ExportMetricsServiceRequest, metrics_service_pb2.ExportMetricsServiceResponse
    ),
    "logs": (logs_service_pb2.ExportLogsServiceRequest, logs_service_pb2.ExportLogsServiceResponse),
}


class Received:
    """Export requests by signal, with helpers that flatten them."""

    def __init__(self) -> None:
        self.requests: dict[str, list[Any]] = {signal: [] for signal in MESSAGES}
        self.lock = threading.Lock()

    def add(self, signal: str, request: Any) -> None:
        with self.lock:
            self.requests[signal].append(request)

    def spans(self) -> list[Any]:
        return [
            span
            for request in self.requests["traces"]
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]

    def resource_attributes(self) -> dict[str, str]:
        request = self.requests["traces"][0]
        return {kv.key: kv.value.string_value for kv in request.resource_spans[0].resource.attributes}

    def metric_names(self) -> set[str]:
        return {
            metric.name
            for request in self.requests["metrics"]
            for resource_metrics in request.resource_metrics
            for scope_metrics in resource_metrics.scope_metrics
            for metric in scope_metrics.metrics
        }

    def event_names(self) -> list[str]:
        return [
            record.event_name
            for request in self.requests["logs"]
            for resource_logs in request.resource_logs
            for scope_logs in resource_logs.scope_logs
            for record in scope_logs.log_records
        ]


class OtlpHttpReceiver(Received):
    """POST /v1/traces, /v1/metrics and /v1/logs on 127.0.0.1, decoded with opentelemetry-proto."""

    def __init__(self) -> None:
        super().__init__()
        received = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # no wait for a delayed ACK between headers and body
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                signal = self.path.rsplit("/", 1)[-1]
                if self.path.removesuffix(signal) != "/v1/" or signal not in MESSAGES:
                    self.send_error(404)
                    return
                body = self.rfile.read(int(self.headers["content-length"]))
                if self.headers.get("content-encoding") == "gzip":
                    body = gzip.decompress(body)
                request_class, response_class = MESSAGES[signal]
                received.add(signal, request_class.FromString(body))
                payload = response_class().SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> OtlpHttpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class OtlpGrpcReceiver(Received):
    """The three OTLP gRPC services on 127.0.0.1."""

    def __init__(self) -> None:
        super().__init__()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        received = self

        def servicer(base: type, signal: str) -> Any:
            def export(self: Any, request: Any, context: Any) -> Any:
                received.add(signal, request)
                return MESSAGES[signal][1]()

            return type(f"{signal}Servicer", (base,), {"Export": export})()

        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(
            servicer(trace_service_pb2_grpc.TraceServiceServicer, "traces"), self._server
        )
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(
            servicer(metrics_service_pb2_grpc.MetricsServiceServicer, "metrics"), self._server
        )
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(
            servicer(logs_service_pb2_grpc.LogsServiceServicer, "logs"), self._server
        )
        self._port = self._server.add_insecure_port("127.0.0.1:0")

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def __enter__(self) -> OtlpGrpcReceiver:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop(grace=None)
