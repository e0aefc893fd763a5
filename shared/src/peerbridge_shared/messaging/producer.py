"""The one way PeerBridge writes to Kafka: an idempotent, acks=all producer, and ``send``,
which opens a PRODUCER span and puts its ``traceparent`` in the record headers."""

from __future__ import annotations

from collections.abc import Sequence

from kafka import KafkaProducer
from kafka.producer.future import FutureRecordMetadata
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from ..events import Envelope, encode
from ..settings import KafkaSettings
from ..topics import topic_for

TRACE_HEADERS = ("traceparent", "tracestate")
_tracer = trace.get_tracer(__name__)


def create_producer(kafka: KafkaSettings, **overrides: object) -> KafkaProducer:
    """Idempotent (no duplicates from retries, order kept per partition) and acks=all."""
    options: dict[str, object] = {
        "acks": "all",
        "enable_idempotence": True,
        "max_in_flight_requests_per_connection": 5,
        "linger_ms": 2,
        "delivery_timeout_ms": 120_000,
        "client_id": "peerbridge",
        **kafka.client_config(),
    }
    options.update(overrides)
    return KafkaProducer(**options)


def send(
    producer: KafkaProducer,
    topic: str,
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]],
) -> FutureRecordMetadata:
    """Send one record, continuing the trace found in ``headers`` (if any)."""
    incoming = {name: raw.decode() for name, raw in headers if name in TRACE_HEADERS}
    parent = propagate.extract(incoming)
    attributes = {"messaging.system": "kafka", "messaging.destination.name": topic}
    with _tracer.start_as_current_span(f"send {topic}", context=parent, kind=SpanKind.PRODUCER,
                                       attributes=attributes):
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        out = [(n, v) for n, v in headers if n not in TRACE_HEADERS]
        out += [(n, v.encode()) for n, v in carrier.items()]
        return producer.send(topic, key=key, value=value, headers=out)


def publish(producer: KafkaProducer, envelope: Envelope) -> FutureRecordMetadata:
    """Publish an event straight to its registered topic (no outbox: for stateless producers)."""
    key, value, headers = encode(envelope)
    return send(producer, topic_for(envelope.data).name, key, value, headers)
