"""OpenTelemetry bootstrap from the standard OTEL_* environment variables.

- ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``..._TRACES_ENDPOINT``) set: spans go to an OTLP/HTTP exporter.
- ``OTEL_TRACES_EXPORTER=console``: spans are printed; ``none``: no exporter.
- Tests pass their own exporter (e.g. ``InMemorySpanExporter``).
The W3C trace-context propagator is the SDK default, so ``traceparent`` is what crosses Kafka.
"""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)


def _exporter_from_env() -> SpanExporter | None:
    choice = os.environ.get("OTEL_TRACES_EXPORTER", "").lower()
    if choice == "none":
        return None
    if choice == "console":
        return ConsoleSpanExporter()
    if choice == "otlp" or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    ):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    return None


def setup_tracing(service_name: str, exporter: SpanExporter | None = None) -> TracerProvider:
    """Install (once per process) a tracer provider for ``service_name``.

    Called again, it keeps the installed provider and only adds ``exporter``: the global
    provider can be set once per process, and tests add an in-memory exporter to it.
    """
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", service_name)})
        provider = TracerProvider(resource=resource)
        env_exporter = _exporter_from_env()
        if env_exporter is not None:
            provider.add_span_processor(BatchSpanProcessor(env_exporter))
        trace.set_tracer_provider(provider)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def tracer(name: str = "peerbridge") -> trace.Tracer:
    return trace.get_tracer(name)
