"""Transactional outbox against real PostgreSQL and Kafka: nothing lost, nothing applied twice."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import func, select

from peerbridge_shared.events import decode
from peerbridge_shared.events.safety import ConcernCategory, SafetyConcernRaised
from peerbridge_shared.idempotency import first_delivery
from peerbridge_shared.messaging import ConsumerConfig, EventConsumer
from peerbridge_shared.outbox import OutboxMessage, OutboxRelay, add_event
from peerbridge_shared.testing.kafka_reader import KafkaReader
from peerbridge_shared.topics import SAFETY, TOPICS, topic_for

from .samples import T0, all_samples

SOURCE = "/peerbridge/tests"


def concern(participant_id: str = "p-outbox") -> SafetyConcernRaised:
    return SafetyConcernRaised(participant_id=participant_id, concern_id=str(uuid.uuid4()), program_id="prog-1",
                               category=ConcernCategory.SELF_HARM, raised_by="peer-1", raised_at=T0)


def unsent(database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).where(OutboxMessage.published_at.is_(None)))


def ids_in(records) -> list[str]:
    return [decode(r.key, r.value, r.headers).id for r in records]


def test_every_event_type_round_trips_through_outbox_relay_and_kafka(database, producer, kafka_settings):
    reader = KafkaReader(kafka_settings, [t.name for t in TOPICS])
    samples = all_samples()
    with database.transaction() as session:
        event_ids = [add_event(session, data, tenant="org-a", source=SOURCE)["event_id"] for data in samples]

    assert OutboxRelay(database, producer).publish_batch() == len(samples)

    received = {}
    for record in reader.read(len(samples)):
        received[decode(record.key, record.value, record.headers).id] = record
    for event_id, data in zip(event_ids, samples, strict=True):
        record = received[event_id]
        envelope = decode(record.key, record.value, record.headers)
        assert envelope.data == data
        assert record.topic == topic_for(data).name
        assert record.key.decode() == topic_for(data).key_of(data)
        assert {"ce_id", "ce_type", "ce_source", "ce_time", "ce_subject", "ce_tenant", "ce_specversion"} <= {
            name for name, _ in record.headers}
        assert envelope.tenant == "org-a" and envelope.source == SOURCE
    assert unsent(database) == 0
    reader.close()


def test_events_of_one_key_are_published_in_commit_order(database, producer, kafka_settings):
    reader = KafkaReader(kafka_settings, [SAFETY.name])
    written = []
    for _ in range(40):
        with database.transaction() as session:
            written.append(add_event(session, concern("p-ordered"), tenant="org-a", source=SOURCE)["event_id"])
    relay = OutboxRelay(database, producer, batch_size=7)
    while relay.publish_batch():
        pass
    assert ids_in(reader.read(40)) == written
    reader.close()


def test_a_rolled_back_transaction_publishes_nothing(database, producer, kafka_settings):
    reader = KafkaReader(kafka_settings, [SAFETY.name])
    with pytest.raises(RuntimeError), database.transaction() as session:
        rolled_back = add_event(session, concern(), tenant="org-a", source=SOURCE)["event_id"]
        raise RuntimeError("business rule failed after the event was queued")

    assert OutboxRelay(database, producer).publish_batch() == 0
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    published = {dict(r.headers or []).get("ce_id", b"").decode() for r in reader.read_quiet(1.0)}
    assert rolled_back not in published  # the topic is shared: only this event is ours to look for
    reader.close()


class RelayCrashed(Exception):
    pass


def test_a_relay_dying_after_publishing_republishes_and_the_consumer_applies_once(
    database, producer, kafka_settings, make_topic
):
    topic = make_topic(SAFETY)
    with database.transaction() as session:
        row = add_event(session, concern(), tenant="org-a", source=SOURCE)
        row["topic"] = topic.name
        event_id = row["event_id"]

    def crash(rows):
        raise RelayCrashed

    with pytest.raises(RelayCrashed):
        OutboxRelay(database, producer).publish_batch(before_mark=crash)
    assert unsent(database) == 1, "rows published but not marked stay unsent"
    assert OutboxRelay(database, producer).publish_batch() == 1

    deliveries, effects = [], []

    def apply(envelope):
        deliveries.append(envelope.id)
        with database.transaction() as session:
            if first_delivery(session, consumer="test-consumer", event_id=envelope.id):
                effects.append(envelope.id)

    consumer = EventConsumer(ConsumerConfig(group_id=f"test-{uuid.uuid4()}", topics=[topic]), apply,
                             kafka=kafka_settings, producer=producer)
    deadline = time.monotonic() + 30
    while len(deliveries) < 2 and time.monotonic() < deadline:
        consumer.poll_once()
    consumer.close()
    assert deliveries == [event_id, event_id]
    assert effects == [event_id]


def _start_relay(database_url: str, kafka_settings) -> subprocess.Popen:
    env = {**os.environ, "PEERBRIDGE_KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
           "OTEL_TRACES_EXPORTER": "none"}
    return subprocess.Popen([sys.executable, "-m", "peerbridge_shared.outbox", "--database-url", database_url],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_published(database, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while unsent(database) and time.monotonic() < deadline:
        time.sleep(0.1)


def test_an_event_committed_while_the_relay_is_killed_is_published_once_after_restart(
    database, kafka_settings
):
    url = database.engine.url.render_as_string(hide_password=False)
    reader = KafkaReader(kafka_settings, [SAFETY.name])
    relay = _start_relay(url, kafka_settings)
    try:
        with database.transaction() as session:
            before = add_event(session, concern(), tenant="org-a", source=SOURCE)["event_id"]
        _wait_published(database)
        assert ids_in(reader.read(1)) == [before], "the relay process is up and publishing"
    finally:
        relay.kill()  # SIGKILL: no shutdown hook runs
        relay.wait()

    with database.transaction() as session:
        after = add_event(session, concern(), tenant="org-a", source=SOURCE)["event_id"]
    assert reader.read_quiet(1.0) == [] and unsent(database) == 1

    relay = _start_relay(url, kafka_settings)
    try:
        _wait_published(database)
        assert ids_in(reader.read_quiet(2.0)) == [after]
    finally:
        relay.terminate()
        relay.wait(timeout=30)
    reader.close()


def notifications_after(database, write) -> int:
    """How many outbox notifications a listener receives for the transaction ``write`` makes."""
    relay = OutboxRelay(database, producer=None)  # type: ignore[arg-type] - only its listener is used
    listener = relay._listen()
    try:
        with database.transaction() as session:
            write(session)
        return len(list(listener.notifies(timeout=1.0)))
    finally:
        listener.close()


def test_a_transaction_notifies_the_relay_once_however_many_events_it_adds(database):
    def three_events(session):
        for _ in range(3):
            add_event(session, concern(), tenant="org-a", source=SOURCE)

    def one_kept_after_a_rolled_back_savepoint(session):
        savepoint = session.begin_nested()
        add_event(session, concern(), tenant="org-a", source=SOURCE)
        savepoint.rollback()  # its NOTIFY is rolled back with it
        add_event(session, concern(), tenant="org-a", source=SOURCE)

    assert notifications_after(database, three_events) == 1
    assert notifications_after(database, one_kept_after_a_rolled_back_savepoint) == 1
