"""The escalation stream worker (faust-streaming): `python -m peerbridge_escalation.worker [faust args]`.

Consumes the participant-keyed topics (safety signals, participant activity, hospital
encounters, enrollments). Events are taken in small batches (what arrived within a few
milliseconds), decoded, and handed to the intake in one database transaction (in a thread, so
the event loop keeps serving Kafka); they are acknowledged only once applied or dead-lettered.
An event that is not valid, or whose intake keeps failing, goes to its topic's dead-letter topic
and the stream moves on: an exception never escapes the agent (it would stop it). While
PostgreSQL is unreachable the intake waits and retries instead: an outage is not the event's fault.

Liveness: a Faust timer on the event loop beats the heartbeat file (peerbridge_shared.heartbeat)
unless a batch's intake has been busy without progress for ``intake_stalled_after_s``, so a
stopped event loop and a hung intake call both go stale; waiting out a database outage does not.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

import faust
from kafka import KafkaProducer

from peerbridge_shared import heartbeat
from peerbridge_shared.db import Database, database_unreachable
from peerbridge_shared.events import Envelope, InvalidEvent, decode, utc_now
from peerbridge_shared.messaging import create_producer
from peerbridge_shared.messaging.dead_letters import DeadLetters, header_list
from peerbridge_shared.messaging.faust_fetch import shorten_fetch_wait
from peerbridge_shared.topics import CARE, ENROLLMENTS, HOSPITAL, SAFETY

from .cases.intake import handle_batch
from .retry import LOOP_ERRORS
from .settings import EscalationSettings, get_settings

log = logging.getLogger(__name__)
TOPICS = (SAFETY, CARE, HOSPITAL, ENROLLMENTS)
BEAT_EVERY_S = 5.0
BATCH_WITHIN_S = 0.005  # how long a batch waits to fill: added to a lone signal's latency at most
DEAD_LETTER_OF = {topic.name: topic.dead_letter for topic in TOPICS}


class Received(NamedTuple):
    """One record as consumed: where it came from, and its raw bytes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


class Intake:
    """The work of a batch of events, outside the event loop: decode, apply, or dead-letter.

    A batch is applied in one transaction, in the order consumed (so per participant), which saves
    a commit, the audit chain's lock and the outbox notification per event. If that transaction
    fails, the batch is applied again one event at a time, in the same order, each with its own
    retries: one bad event is dead-lettered alone and never holds back the others."""

    def __init__(self, settings: EscalationSettings, database: Database, producer: KafkaProducer,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings, self.database, self.clock = settings, database, clock
        self.dead_letters = DeadLetters(producer, settings.faust_app_id, DEAD_LETTER_OF)
        self._progress_lock = threading.Lock()
        self._busy_since: float | None = None  # the last progress of the batch in hand; None when idle

    def stalled_s(self) -> float:
        """Seconds the batch in hand has gone without progress (0 when idle)."""
        with self._progress_lock:
            return 0.0 if self._busy_since is None else max(0.0, self.clock() - self._busy_since)

    def _progressed(self, busy: bool = True) -> None:
        with self._progress_lock:
            self._busy_since = self.clock() if busy else None

    def process_batch(self, records: list[Received]) -> list[str]:
        """What happened to each record, in order (for logs and tests)."""
        self._progressed()
        try:
            return self._process_batch(records)
        finally:
            self._progressed(busy=False)

    def _process_batch(self, records: list[Received]) -> list[str]:
        outcomes: dict[int, str] = {}
        valid: list[tuple[int, Received, Envelope]] = []
        for index, record in enumerate(records):
            try:
                valid.append((index, record, decode(record.key, record.value, record.headers)))
            except InvalidEvent as exc:
                outcomes[index] = self._dead_letter(record, exc.reason, exc, 0)
        if valid:
            try:
                applied = self._apply([envelope for _, _, envelope in valid])
            except Exception:  # noqa: BLE001 - the batch is applied again event by event
                log.warning("batch intake failed, applying its events one at a time", extra={"events": len(valid)})
                applied = [self._apply_alone(record, envelope) for _, record, envelope in valid]
            outcomes.update((index, outcome) for (index, _, _), outcome in zip(valid, applied, strict=True))
        return [outcomes[index] for index in range(len(records))]

    def _apply_alone(self, record: Received, envelope: Envelope) -> str:
        attempt = outage = 0
        while True:
            try:
                [outcome] = self._apply([envelope])
                return outcome
            except Exception as exc:  # noqa: BLE001 - waited out, or retried then dead-lettered
                if database_unreachable(exc):  # not the event's fault: wait, never dead-letter a signal for it
                    outage += 1
                    log.warning("database unreachable, intake waits", extra={"event_id": envelope.id,
                                                                              "attempt": outage})
                    time.sleep(min(5.0, 0.2 * 2 ** min(outage, 5)))
                    self._progressed()  # alive, waiting out the outage
                    continue
                attempt += 1
                LOOP_ERRORS.labels("intake").inc()
                if attempt >= self.settings.max_attempts:
                    return self._dead_letter(record, f"handler failed: {exc}", exc, attempt)
                log.warning("intake failed, retrying", extra={"event_id": envelope.id, "attempt": attempt})
                time.sleep(0.2 * 2 ** (attempt - 1))
                self._progressed()

    def _apply(self, envelopes: list[Envelope]) -> list[str]:
        with self.database.transaction() as session:
            outcomes = handle_batch(session, envelopes, utc_now)
        for envelope, outcome in zip(envelopes, outcomes, strict=True):
            log.info("intake", extra={"event_id": envelope.id, "event_type": envelope.type, "outcome": outcome})
        return outcomes

    def _dead_letter(self, record: Received, reason: str, error: BaseException, attempts: int) -> str:
        self.dead_letters.park(topic=record.topic, partition=record.partition, offset=record.offset,
                               key=record.key, value=record.value, headers=record.headers, reason=reason,
                               error=error, attempts=attempts)
        return "dead_lettered"


def create_app(settings: EscalationSettings | None = None) -> faust.App:
    settings = settings or get_settings()
    shorten_fetch_wait()  # Faust's 1.5 s fetch wait stalls a busy stream (faust_fetch)
    app = faust.App(
        settings.faust_app_id, broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        store=settings.faust_store, broker_session_timeout=settings.faust_session_timeout_s,
        broker_heartbeat_interval=settings.faust_session_timeout_s / 3, topic_partitions=SAFETY.partitions,
        web_port=settings.faust_web_port, web_bind=settings.host, web_host=settings.host,
        consumer_auto_offset_reset=settings.faust_offset_reset, topic_allow_declare=False,
        broker_credentials=settings.kafka.faust_credentials(),
        **({"datadir": settings.faust_data_dir} if settings.faust_data_dir else {}),
    )
    database = Database(settings.database_url)
    producer = create_producer(settings.kafka)
    intake = Intake(settings, database, producer)
    channel = app.topic(*(topic.name for topic in TOPICS), key_type=bytes, value_type=bytes,
                        key_serializer="raw", value_serializer="raw")

    @app.timer(interval=BEAT_EVERY_S)
    async def beat() -> None:
        beat_unless_stalled(intake)

    @app.agent(channel, name="intake")
    async def intake_agent(stream: faust.StreamT) -> None:
        loop = asyncio.get_running_loop()
        batches = stream.take_events(settings.intake_batch_max, within=BATCH_WITHIN_S)  # acked once processed
        async for events in batches:
            records = [Received(event.message.topic, event.message.partition, event.message.offset,
                                event.message.key, event.message.value, header_list(event.message.headers))
                       for event in events]
            try:
                await loop.run_in_executor(None, intake.process_batch, records)
            except Exception:  # noqa: BLE001 - never let an exception stop the agent
                log.exception("batch could not be processed or dead-lettered", extra={
                    "records": [(r.topic, r.partition, r.offset) for r in records]})

    return app


def beat_unless_stalled(intake: Intake) -> bool:
    """Beat the heartbeat unless the event in hand is stuck; True if it beat."""
    stalled = intake.stalled_s()
    if stalled >= intake.settings.intake_stalled_after_s:
        log.error("intake stalled: heartbeat withheld", extra={"stalled_s": round(stalled)})
        return False
    heartbeat.beat()
    return True


def main() -> None:
    from peerbridge_shared.logs import configure_logging
    from peerbridge_shared.telemetry import setup_tracing

    settings = get_settings()
    configure_logging("escalation-worker", settings.log_level)
    setup_tracing("escalation-worker")
    app = create_app(settings)
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", settings.log_level.lower().replace("warning", "warn")]
    app.main()


if __name__ == "__main__":
    main()
