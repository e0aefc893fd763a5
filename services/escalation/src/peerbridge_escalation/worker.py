"""The escalation stream worker (faust-streaming): `python -m peerbridge_escalation.worker [faust args]`.

Consumes the participant-keyed topics (safety signals, participant activity, hospital
encounters, enrollments) in batches (``intake_batch_max`` events or ``intake_batch_wait_s``):
each batch's events are grouped by participant (the record key) and the groups taken in on
``intake_threads`` threads at once, each participant's events one after the other in their
order, each in its own database transaction. A batch's offsets are committed only once all of
it is done, so a crash redelivers it and the intake's dedupe by event id makes that harmless.
An event that is not valid, or whose intake keeps failing, goes to its topic's dead-letter
topic and the stream moves on: an exception never escapes the agent (it would stop it). While
PostgreSQL is unreachable the intake waits and retries instead: an outage is not the event's
fault.

Liveness: a Faust timer on the event loop beats the heartbeat file (peerbridge_shared.heartbeat)
unless an event's intake has been busy without progress for ``intake_stalled_after_s``, so a
stopped event loop and a hung intake call both go stale; waiting out a database outage does not.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import faust
from kafka import KafkaProducer

from peerbridge_shared import heartbeat
from peerbridge_shared.db import Database, database_unreachable
from peerbridge_shared.events import Envelope, InvalidEvent, decode, utc_now
from peerbridge_shared.messaging import create_producer
from peerbridge_shared.messaging.dead_letters import DeadLetters, header_list
from peerbridge_shared.topics import CARE, ENROLLMENTS, HOSPITAL, SAFETY

from .cases.intake import handle
from .retry import LOOP_ERRORS
from .settings import EscalationSettings, get_settings

log = logging.getLogger(__name__)
TOPICS = (SAFETY, CARE, HOSPITAL, ENROLLMENTS)
BEAT_EVERY_S = 5.0
DEAD_LETTER_OF = {topic.name: topic.dead_letter for topic in TOPICS}
Record = tuple[str, int, int, bytes | None, bytes | None, list[tuple[str, bytes]]]  # topic, partition, offset, ...


class Intake:
    """The work of one event, outside the event loop: decode, apply with retries, or dead-letter."""

    def __init__(self, settings: EscalationSettings, database: Database, producer: KafkaProducer,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings, self.database, self.clock = settings, database, clock
        self.dead_letters = DeadLetters(producer, settings.faust_app_id, DEAD_LETTER_OF)
        self._progress_lock = threading.Lock()
        self._busy_since: dict[int, float] = {}  # per intake thread: the last progress of its event in hand

    def stalled_s(self) -> float:
        """Seconds the longest-stuck event in hand has gone without progress (0 when idle)."""
        with self._progress_lock:
            oldest = min(self._busy_since.values(), default=None)
            return 0.0 if oldest is None else max(0.0, self.clock() - oldest)

    def _progressed(self, busy: bool = True) -> None:
        with self._progress_lock:
            if busy:
                self._busy_since[threading.get_ident()] = self.clock()
            else:
                self._busy_since.pop(threading.get_ident(), None)

    def process_in_order(self, records: list[Record]) -> list[str]:
        """One participant's events of a batch, one after the other; one failing never skips the next."""
        outcomes = []
        for record in records:
            try:
                outcomes.append(self.process(*record))
            except Exception:  # noqa: BLE001 - could not even be dead-lettered: logged, the rest goes on
                log.exception("event could not be processed or dead-lettered", extra={
                    "topic": record[0], "partition": record[1], "offset": record[2]})
                outcomes.append("failed")
        return outcomes

    def process(self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
                headers: list[tuple[str, bytes]]) -> str:
        self._progressed()
        try:
            return self._process(topic, partition, offset, key, value, headers)
        finally:
            self._progressed(busy=False)

    def _process(self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
                 headers: list[tuple[str, bytes]]) -> str:
        try:
            envelope = decode(key, value, headers)
        except InvalidEvent as exc:
            return self._dead_letter(topic, partition, offset, key, value, headers, exc.reason, exc, 0)
        attempt = outage = 0
        while True:
            try:
                return self._apply(envelope)
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
                    return self._dead_letter(topic, partition, offset, key, value, headers,
                                             f"handler failed: {exc}", exc, attempt)
                log.warning("intake failed, retrying", extra={"event_id": envelope.id, "attempt": attempt})
                time.sleep(0.2 * 2 ** (attempt - 1))
                self._progressed()

    def _apply(self, envelope: Envelope) -> str:
        with self.database.transaction() as session:
            outcome = handle(session, envelope, utc_now())
        log.info("intake", extra={"event_id": envelope.id, "event_type": envelope.type, "outcome": outcome})
        return outcome

    def _dead_letter(self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
                     headers: list[tuple[str, bytes]], reason: str, error: BaseException, attempts: int) -> str:
        self.dead_letters.park(topic=topic, partition=partition, offset=offset, key=key, value=value,
                               headers=headers, reason=reason, error=error, attempts=attempts)
        return "dead_lettered"


def create_app(settings: EscalationSettings | None = None) -> faust.App:
    settings = settings or get_settings()
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

    threads = ThreadPoolExecutor(settings.intake_threads, thread_name_prefix="intake")

    @app.agent(channel, name="intake")
    async def intake_agent(stream: faust.StreamT) -> None:
        loop = asyncio.get_running_loop()
        async for events in stream.take_events(settings.intake_batch_max, within=settings.intake_batch_wait_s):
            await asyncio.gather(*(loop.run_in_executor(threads, intake.process_in_order, records)
                                   for records in by_participant(events)))

    return app


def by_participant(events: list) -> list[list[Record]]:
    """A batch's records grouped by key (the participant), each group in arrival order; a record
    without a key is its partition's (kept in order with that partition's other keyless ones)."""
    groups: dict[object, list[Record]] = {}
    for event in events:
        message = event.message
        group = message.key if message.key is not None else (message.topic, message.partition)
        groups.setdefault(group, []).append((message.topic, message.partition, message.offset, message.key,
                                             message.value, header_list(message.headers)))
    return list(groups.values())


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
