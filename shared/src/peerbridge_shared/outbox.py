"""Transactional outbox.

``add_event(session, data, ...)`` writes the event into ``outbox_messages`` inside the
caller's transaction: the business change and its event commit together or not at all.
``OutboxRelay`` publishes unsent rows in id order with the idempotent producer and marks
them sent. One relay works at a time (a PostgreSQL advisory lock held for the batch), so
rows go out in commit order per key even with several replicas. A relay that dies after
publishing and before marking republishes on restart: consumers drop the duplicate by
event id (``idempotency.first_delivery``).

The relay sleeps on PostgreSQL ``LISTEN``: ``add_event`` sends a ``NOTIFY`` that is delivered
when the writer commits, so an event leaves within milliseconds of its commit; a slow poll
(``poll_interval_s``) is the safety net if a notification is ever missed.

Per-key order holds when the writers of one aggregate serialize on its row (as an update of
the aggregate does): the later writer then also gets the later outbox id.

``peerbridge-relay --database-url ...`` runs a relay as its own process.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import zlib
from collections.abc import Callable
from datetime import datetime

import psycopg
from kafka import KafkaProducer
from prometheus_client import Counter, Gauge
from sqlalchemy import BigInteger, DateTime, Index, LargeBinary, String, func, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import heartbeat
from .db import Database, MessagingBase, queue_insert, transaction_memo
from .events import Event, encode, new_envelope
from .events.envelope import Clock, utc_now
from .messaging.producer import create_producer, send
from .settings import KafkaSettings
from .topics import topic_for

log = logging.getLogger(__name__)

RELAY_LOCK_ID = zlib.crc32(b"peerbridge.outbox.relay")
NOTIFY_CHANNEL = "peerbridge_outbox"
PUBLISHED = Counter("peerbridge_outbox_published", "Outbox rows published to Kafka", ["topic"])
OLDEST_UNSENT_AGE = Gauge("peerbridge_outbox_oldest_unsent_seconds", "Age of the oldest unsent outbox row")


class OutboxMessage(MessagingBase):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    key: Mapped[bytes] = mapped_column(LargeBinary)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[list[list[str]]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_outbox_messages_unsent", "id", postgresql_where=text("published_at IS NULL")),
    )


def add_event(
    session: Session, data: Event, *, tenant: str, source: str, clock: Clock = utc_now
) -> dict:
    """Queue ``data`` for publishing in the caller's transaction; returns the outbox row (its
    columns, inserted with the transaction: ``queue_insert``)."""
    topic = topic_for(data)
    envelope = new_envelope(data, tenant=tenant, source=source, subject=topic.key_of(data), clock=clock)
    key, value, headers = encode(envelope)
    notified = transaction_memo(session, "outbox_notified")
    if not notified:  # one NOTIFY per transaction: delivered at commit, dropped on rollback
        session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
        notified["sent"] = True
    return queue_insert(session, OutboxMessage.__table__, {
        "event_id": envelope.id, "event_type": envelope.type, "topic": topic.name, "key": key, "value": value,
        "headers": [[name, raw.decode()] for name, raw in headers]})


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        producer: KafkaProducer,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
        send_timeout_s: float = 30.0,
    ) -> None:
        self.database = database
        self.producer = producer
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.send_timeout_s = send_timeout_s

    def publish_batch(self, before_mark: Callable[[list[OutboxMessage]], None] | None = None) -> int:
        """Publish up to ``batch_size`` unsent rows; returns how many were marked sent.

        ``before_mark`` runs after Kafka acknowledged the batch and before the rows are marked
        (tests use it to stand for a crash at the worst moment).
        """
        with self.database.transaction() as session:
            if not session.scalar(select(func.pg_try_advisory_xact_lock(RELAY_LOCK_ID))):
                return 0  # another relay is publishing
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.published_at.is_(None))
                .order_by(OutboxMessage.id)
                .limit(self.batch_size)
            ).all()
            if not rows:
                OLDEST_UNSENT_AGE.set(0)
                return 0
            OLDEST_UNSENT_AGE.set((utc_now() - rows[0].created_at).total_seconds())
            sent = self._send_in_order(rows)
            if before_mark is not None:
                before_mark(sent)
            if sent:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([row.id for row in sent]))
                    .values(published_at=func.now())
                )
            return len(sent)

    def _send_in_order(self, rows: list[OutboxMessage]) -> list[OutboxMessage]:
        """Send all rows, then keep the longest prefix Kafka acknowledged: a row after a failed
        one stays unsent, so it is retried after (never before) the row it follows."""
        futures = [
            send(self.producer, row.topic, row.key, row.value, [(n, v.encode()) for n, v in row.headers])
            for row in rows
        ]
        self.producer.flush(timeout=self.send_timeout_s)
        sent = []
        for row, future in zip(rows, futures, strict=True):
            try:
                future.get(timeout=0)
            except Exception:  # noqa: BLE001 - anything not acknowledged is retried next batch
                log.exception("outbox publish failed; will retry", extra={"outbox_id": row.id})
                break
            sent.append(row)
            PUBLISHED.labels(row.topic).inc()
        return sent

    def run(self, stop: threading.Event) -> None:
        listener: psycopg.Connection | None = None
        while not stop.is_set():
            heartbeat.beat()  # also while the database or Kafka is down: the relay waits, it is not stuck
            try:
                listener = listener or self._listen()
                published = self.publish_batch()
                if published < self.batch_size:
                    for _ in listener.notifies(timeout=self.poll_interval_s, stop_after=1):
                        pass
            except Exception:  # noqa: BLE001 - the relay outlives database or broker outages
                log.exception("outbox relay batch failed")
                if listener is not None:
                    listener.close()
                listener = None
                stop.wait(1.0)
        if listener is not None:
            listener.close()

    def _listen(self) -> psycopg.Connection:
        url = self.database.engine.url.set(drivername="postgresql")
        connection = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
        connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return connection


def main(argv: list[str] | None = None) -> int:
    from .logs import configure_logging
    from .telemetry import setup_tracing

    parser = argparse.ArgumentParser(prog="peerbridge-relay", description="Publish a service's outbox to Kafka.")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--service", default="peerbridge-relay")
    args = parser.parse_args(argv)

    configure_logging(args.service)
    setup_tracing(args.service)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    database = Database(args.database_url)
    producer = create_producer(KafkaSettings(_env_prefix="PEERBRIDGE_KAFKA_"))
    log.info("outbox relay started")
    try:
        OutboxRelay(database, producer).run(stop)
    finally:
        producer.close()
        database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
