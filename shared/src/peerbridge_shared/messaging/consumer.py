"""The one way a kafka-python service consumes events.

- Offsets are committed by hand, after the handler returned (its work is durable).
- A record that is not a valid event, or whose handler raises ``InvalidEvent``, goes to the
  topic's dead-letter topic at once; any other failure is retried ``max_attempts`` times,
  then dead-lettered. Either way the partition keeps moving. Errors the consumer declares as
  ``unavailable`` (a dependency down) are retried until they pass: the partition waits.
- The dead-letter record keeps the original key, value and headers, plus ``dlq_*`` headers
  naming the origin (topic, partition, offset), the reason and the attempts.
- If even the dead-letter write fails, nothing past that record is committed and the
  consumer seeks back to it: the record is tried again, never skipped.
Handlers must be idempotent (see ``idempotency.first_delivery``): delivery is at least once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import OffsetAndMetadata, TopicPartition
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import Counter

from .. import heartbeat
from ..events import Envelope, InvalidEvent, decode
from ..settings import KafkaSettings
from ..topics import Topic
from .producer import TRACE_HEADERS, create_producer, send

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

EVENTS_CONSUMED = Counter(
    "peerbridge_events_consumed", "Events handled by a consumer", ["group", "topic", "outcome"]
)
DEAD_LETTERED = Counter(
    "peerbridge_dead_lettered", "Records sent to a dead-letter topic", ["group", "topic", "reason"]
)

STALLS = Counter("peerbridge_consumer_stalls", "Consumers that reconnected after no group heartbeat", ["group"])

Handler = Callable[[Envelope], None]


@dataclass(frozen=True)
class ConsumerConfig:
    group_id: str
    topics: Sequence[Topic]
    max_attempts: int = 3
    retry_backoff_s: float = 0.2
    poll_timeout_ms: int = 500
    max_poll_records: int = 200
    dead_letter_timeout_s: float = 30.0
    auto_offset_reset: str = "earliest"
    """Where a group without committed offsets starts: "earliest" (everything retained) or "latest"."""
    unavailable: tuple[type[BaseException], ...] = ()
    """Errors that mean a dependency is down (not the record's fault): the record is retried until it
    succeeds, never dead-lettered, and the partition waits."""
    outage_backoff_max_s: float = 5.0
    stalled_after_s: float = 60.0
    """A member holding partitions that has sent no group heartbeat for this long is stalled (its
    client stopped talking to Kafka, or the group dropped it without a rejoin): it reconnects."""


class DeadLetterFailed(RuntimeError):
    """The dead-letter topic could not be written: the record must not be committed."""


class EventConsumer:
    def __init__(
        self,
        config: ConsumerConfig,
        handler: Handler,
        *,
        kafka: KafkaSettings,
        producer: KafkaProducer | None = None,
    ) -> None:
        self.config = config
        self.handler = handler
        self._dead_letter_of = {topic.name: topic.dead_letter for topic in config.topics}
        self._producer = producer or create_producer(kafka)
        self._owns_producer = producer is None
        self._kafka = kafka
        self._assignments = _AssignmentLog(config.group_id)
        self._next_stall_check = 0.0
        self._consumer = self._connect()

    def _connect(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            group_id=self.config.group_id,
            enable_auto_commit=False,
            auto_offset_reset=self.config.auto_offset_reset,
            max_poll_records=self.config.max_poll_records,
            client_id=self.config.group_id,
            **self._kafka.client_config(),
        )
        for topic in self.config.topics:
            # Metadata first: a group leader that joins before it knows the topic's partitions assigns
            # none, and kafka-python may not rejoin until its next metadata refresh (minutes).
            consumer.partitions_for_topic(topic.name)
        consumer.subscribe([topic.name for topic in self.config.topics], listener=self._assignments)
        return consumer

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            heartbeat.beat()
            self.poll_once()
            self._reconnect_if_stalled()

    def heartbeat_silence_s(self) -> float:
        """Seconds since this member last sent a group heartbeat while holding partitions (0 without any)."""
        if not self._consumer.assignment() or self._assignments.assigned_at is None:
            return 0.0
        coordinator = self._consumer.metrics().get("consumer-coordinator-metrics", {})
        since_heartbeat = coordinator.get("last-heartbeat-seconds-ago", 0.0)  # inf before the first one
        return min(since_heartbeat, time.monotonic() - self._assignments.assigned_at)

    def _reconnect_if_stalled(self) -> None:
        if time.monotonic() < self._next_stall_check:
            return
        self._next_stall_check = time.monotonic() + 10
        silence = self.heartbeat_silence_s()
        if silence < self.config.stalled_after_s:
            return
        STALLS.labels(self.config.group_id).inc()
        log.error("consumer stalled: no group heartbeat; reconnecting", extra={"group": self.config.group_id,
                                                                               "silent_s": round(silence)})
        try:
            self._consumer.close(autocommit=False, timeout_ms=5_000)
        except Exception:  # noqa: BLE001 - the stalled client may not close cleanly; a new one replaces it
            log.warning("stalled consumer did not close cleanly", exc_info=True)
        self._assignments.assigned_at = None
        self._consumer = self._connect()

    def poll_once(self) -> int:
        """Poll one batch, handle it, commit what was handled; returns records handled."""
        batches = self._consumer.poll(timeout_ms=self.config.poll_timeout_ms)
        handled = 0
        commits: dict[TopicPartition, OffsetAndMetadata] = {}
        for partition, records in batches.items():
            for record in records:
                try:
                    self._process(record)
                except DeadLetterFailed:
                    log.exception("dead-letter write failed; will retry", extra=_origin(record))
                    self._consumer.seek(partition, record.offset)
                    break
                commits[partition] = OffsetAndMetadata(record.offset + 1, "", -1)
                handled += 1
        if commits:
            self._consumer.commit(commits)
        return handled

    def _process(self, record: ConsumerRecord) -> None:
        parent = propagate.extract(
            {n: (v or b"").decode(errors="replace") for n, v in record.headers or [] if n in TRACE_HEADERS}
        )
        attributes = {
            "messaging.system": "kafka",
            "messaging.source.name": record.topic,
            "messaging.kafka.partition": record.partition,
            "messaging.kafka.offset": record.offset,
            "messaging.consumer.group.name": self.config.group_id,
        }
        with _tracer.start_as_current_span(f"process {record.topic}", context=parent,
                                           kind=SpanKind.CONSUMER, attributes=attributes) as span:
            try:
                envelope = decode(record.key, record.value, record.headers)
            except InvalidEvent as exc:
                span.set_status(Status(StatusCode.ERROR, exc.reason))
                self._dead_letter(record, reason=exc.reason, error=exc, attempts=0)
                return
            span.set_attribute("cloudevents.event_id", envelope.id)
            span.set_attribute("cloudevents.event_type", envelope.type)
            self._handle_with_retries(record, envelope, span)

    def _handle_with_retries(self, record: ConsumerRecord, envelope: Envelope, span: trace.Span) -> None:
        attempt = outage = 0
        while True:
            try:
                self.handler(envelope)
            except self.config.unavailable as exc:
                outage += 1
                log.warning("dependency unavailable, the record waits", extra={**_origin(record), "attempt": outage,
                                                                                "error": type(exc).__name__})
                heartbeat.beat()  # waiting out an outage is not being stuck: no restart storm
                time.sleep(min(self.config.outage_backoff_max_s, self.config.retry_backoff_s * 2 ** min(outage, 8)))
                continue
            except InvalidEvent as exc:
                span.set_status(Status(StatusCode.ERROR, exc.reason))
                self._dead_letter(record, reason=exc.reason, error=exc, attempts=attempt)
                return
            except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
                attempt += 1
                span.record_exception(exc)
                if attempt >= self.config.max_attempts:
                    span.set_status(Status(StatusCode.ERROR, str(exc)))
                    self._dead_letter(record, reason=f"handler failed: {exc}", error=exc, attempts=attempt)
                    return
                log.warning("handler failed, retrying", extra={**_origin(record), "attempt": attempt})
                time.sleep(self.config.retry_backoff_s * 2 ** (attempt - 1))
            else:
                EVENTS_CONSUMED.labels(self.config.group_id, record.topic, "handled").inc()
                return

    def _dead_letter(self, record: ConsumerRecord, *, reason: str, error: BaseException, attempts: int) -> None:
        target = self._dead_letter_of[record.topic]
        headers = dead_letter_headers(record.headers, topic=record.topic, partition=record.partition,
                                      offset=record.offset, group=self.config.group_id, reason=reason, error=error,
                                      attempts=attempts)
        try:
            send(self._producer, target, record.key, record.value, headers).get(
                timeout=self.config.dead_letter_timeout_s
            )
        except Exception as exc:
            raise DeadLetterFailed(str(exc)) from exc
        count_dead_letter(self.config.group_id, record.topic, error)
        log.warning("record dead-lettered", extra={**_origin(record), "reason": reason, "dead_letter_topic": target})

    def close(self) -> None:
        self._consumer.close()
        if self._owns_producer:
            self._producer.close()


class _AssignmentLog(ConsumerRebalanceListener):
    """Says which partitions this member holds after each rebalance (operators look for it first),
    and remembers when it got them (the stall check counts from there)."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.assigned_at: float | None = None

    def on_partitions_revoked(self, revoked) -> None:  # noqa: ANN001 - kafka-python's signature
        pass

    def on_partitions_assigned(self, assigned) -> None:  # noqa: ANN001
        self.assigned_at = time.monotonic()
        log.info("partitions assigned", extra={"group": self.group,
                                               "partitions": sorted(f"{tp.topic}[{tp.partition}]" for tp in assigned)})


def dead_letter_headers(
    headers: Sequence[tuple[str, bytes | None]] | None, *, topic: str, partition: int, offset: int, group: str,
    reason: str, error: BaseException, attempts: int,
) -> list[tuple[str, bytes]]:
    """The original headers plus where the record came from and why it could not be processed."""
    extra = {
        "dlq_origin_topic": topic,
        "dlq_origin_partition": partition,
        "dlq_origin_offset": offset,
        "dlq_consumer_group": group,
        "dlq_reason": reason,
        "dlq_error_type": type(error).__name__,
        "dlq_attempts": attempts,
        "dlq_failed_at": datetime.now(UTC).isoformat(),
    }
    return [(n, v or b"") for n, v in headers or []] + [(name, str(value).encode()) for name, value in extra.items()]


def count_dead_letter(group: str, topic: str, error: BaseException) -> None:
    kind = "invalid" if isinstance(error, InvalidEvent) else "handler_failed"
    DEAD_LETTERED.labels(group, topic, kind).inc()
    EVENTS_CONSUMED.labels(group, topic, "dead_lettered").inc()


def _origin(record: ConsumerRecord) -> dict[str, object]:
    return {"topic": record.topic, "partition": record.partition, "offset": record.offset}
