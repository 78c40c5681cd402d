"""Run the real pipeline locally: the ``otelcol-llm`` collector, Jaeger v2, Prometheus and Alertmanager.

For apps and the demo: :func:`stack_endpoints` tells where the stack listens and
:func:`jaeger_trace_url` links a trace in the Jaeger UI.
"""

from otel_llm.stack.local import Endpoints, down, jaeger_trace_url, stack_endpoints, status, up
from otel_llm.stack.ports import PORT_SPECS, PortPlan

__all__ = [
    "PORT_SPECS",
    "Endpoints",
    "PortPlan",
    "down",
    "jaeger_trace_url",
    "stack_endpoints",
    "status",
    "up",
]
