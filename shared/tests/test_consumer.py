"""Consumer helper against real Kafka: poison records go to the dead-letter topic with their
origin and reason, and the partition keeps moving."""

import threading
import time
import uuid
from collections import Counter

from kafka.admin import NewTopic
from kafka.structs import TopicPartition

from peerbridge_shared.events import InvalidEvent, encode, new_envelope
from peerbridge_shared.messaging import ConsumerConfig, EventConsumer, create_producer, send
from peerbridge_shared.messaging.consumer import STALLS
from peerbridge_shared.testing.kafka_reader import KafkaReader
from peerbridge_shared.topics import SAFETY, Topic

from .test_outbox import concern


def envelope(participant_id="p-dlq"):
    return new_envelope(concern(participant_id), tenant="org-a", source="/peerbridge/tests", subject=participant_id)


def run_until(consumer, done, timeout_s=30.0):
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        consumer.poll_once()


def consumer_for(topic, handler, kafka_settings, producer, **config):
    group = f"test-{uuid.uuid4()}"
    return EventConsumer(ConsumerConfig(group_id=group, topics=[topic], retry_backoff_s=0.01, **config), handler,
                         kafka=kafka_settings, producer=producer)


def headers_of(record):
    return {name: value.decode() for name, value in record.headers}


def test_a_malformed_message_is_dead_lettered_and_the_next_one_is_processed(
    make_topic, producer, kafka_settings, kafka_admin
):
    topic = make_topic(SAFETY)
    dead_letters = KafkaReader(kafka_settings, [topic.dead_letter])
    first, last = envelope(), envelope()
    send(producer, topic.name, *encode(first)).get(10)
    key, _, headers = encode(envelope())
    poison = send(producer, topic.name, key, b'{"participant_id": "p-dlq", "trunc', headers).get(10)
    final = send(producer, topic.name, *encode(last)).get(10)
    assert poison.partition == final.partition, "same key, same partition"

    handled = []
    consumer = consumer_for(topic, handled.append, kafka_settings, producer)
    run_until(consumer, lambda: len(handled) == 2)
    consumer.close()

    assert [e.id for e in handled] == [first.id, last.id]
    [dead] = dead_letters.read(1)
    meta = headers_of(dead)
    assert meta["dlq_origin_topic"] == topic.name
    assert (int(meta["dlq_origin_partition"]), int(meta["dlq_origin_offset"])) == (poison.partition, poison.offset)
    assert meta["dlq_reason"].startswith("value: not JSON")
    assert meta["dlq_error_type"] == "InvalidEvent"
    assert dead.key == key and dead.value == b'{"participant_id": "p-dlq", "trunc'
    assert meta["ce_type"] == SAFETY.value_types[1].type_name, "original headers are kept"

    group = consumer.config.group_id
    committed = kafka_admin.list_group_offsets(group)[group]
    assert committed[TopicPartition(topic.name, final.partition)].offset == final.offset + 1


def test_a_handler_that_keeps_failing_is_retried_then_dead_lettered(make_topic, producer, kafka_settings):
    topic = make_topic(SAFETY)
    dead_letters = KafkaReader(kafka_settings, [topic.dead_letter])
    bad, good = envelope(), envelope()
    for item in (bad, good):
        send(producer, topic.name, *encode(item)).get(10)

    attempts, handled = Counter(), []

    def handler(event):
        attempts[event.id] += 1
        if event.id == bad.id:
            raise ConnectionError("downstream unavailable")
        handled.append(event.id)

    consumer = consumer_for(topic, handler, kafka_settings, producer, max_attempts=3)
    run_until(consumer, lambda: handled == [good.id])
    consumer.close()

    assert attempts[bad.id] == 3
    [dead] = dead_letters.read(1)
    meta = headers_of(dead)
    assert meta["dlq_reason"] == "handler failed: downstream unavailable"
    assert (meta["dlq_attempts"], meta["dlq_error_type"], meta["ce_id"]) == ("3", "ConnectionError", bad.id)


class StoreDown(Exception):
    pass


def test_a_dependency_outage_is_waited_out_not_dead_lettered(make_topic, producer, kafka_settings):
    topic = make_topic(SAFETY)
    dead_letters = KafkaReader(kafka_settings, [topic.dead_letter])
    first, second = envelope(), envelope()
    for item in (first, second):
        send(producer, topic.name, *encode(item)).get(10)
    attempts, handled = Counter(), []

    def handler(event):  # the store is down for the first 6 tries, twice max_attempts
        attempts[event.id] += 1
        if sum(attempts.values()) <= 6:
            raise StoreDown("store unreachable")
        handled.append(event.id)

    consumer = consumer_for(topic, handler, kafka_settings, producer, max_attempts=3, unavailable=(StoreDown,),
                            outage_backoff_max_s=0.02)
    run_until(consumer, lambda: len(handled) == 2)
    consumer.close()

    assert handled == [first.id, second.id] and attempts[first.id] == 7
    assert dead_letters.read_quiet(1.0) == []


def test_an_event_the_handler_rejects_as_invalid_is_not_retried(make_topic, producer, kafka_settings):
    topic = make_topic(SAFETY)
    dead_letters = KafkaReader(kafka_settings, [topic.dead_letter])
    rejected = envelope()
    send(producer, topic.name, *encode(rejected)).get(10)
    attempts = Counter()

    def handler(event):
        attempts[event.id] += 1
        raise InvalidEvent("data.program_id: program prog-1 does not exist")

    consumer = consumer_for(topic, handler, kafka_settings, producer)
    deadline = time.monotonic() + 30
    while not (found := dead_letters.read(1, timeout_s=0.1)) and time.monotonic() < deadline:
        consumer.poll_once()
    consumer.close()
    [dead] = found
    assert attempts[rejected.id] == 1
    assert headers_of(dead)["dlq_reason"] == "data.program_id: program prog-1 does not exist"


def test_when_the_dead_letter_topic_cannot_be_written_the_record_is_kept_not_skipped(
    producer, kafka_settings, kafka_admin
):
    name = f"test.{uuid.uuid4().hex[:10]}.no-dlq-yet"
    kafka_admin.create_topics([NewTopic(name, 1, 1)])
    topic = Topic(name, SAFETY.key_field, SAFETY.value_types, 1)
    key, _, headers = encode(envelope())
    poison = send(producer, name, key, b"not json", headers).get(10)
    good = envelope()
    send(producer, name, *encode(good)).get(10)

    handled = []
    impatient = create_producer(kafka_settings, max_block_ms=500)
    consumer = EventConsumer(ConsumerConfig(group_id=f"test-{uuid.uuid4()}", topics=[topic]), handled.append,
                             kafka=kafka_settings, producer=impatient)
    group = consumer.config.group_id
    for _ in range(3):
        consumer.poll_once()
    assert handled == [], "nothing after the poison record is processed while it cannot be parked"
    assert TopicPartition(name, 0) not in kafka_admin.list_group_offsets(group)[group], "nothing committed"

    kafka_admin.create_topics([NewTopic(topic.dead_letter, 1, 1)])
    run_until(consumer, lambda: handled)
    consumer.close()
    impatient.close()
    assert [e.id for e in handled] == [good.id]
    parked = KafkaReader(kafka_settings, [topic.dead_letter], from_beginning=True)
    [dead] = parked.read(1)
    parked.close()
    assert int(headers_of(dead)["dlq_origin_offset"]) == poison.offset
    kafka_admin.delete_topics([name, topic.dead_letter])


def test_a_member_silent_past_the_stall_limit_reconnects_and_keeps_consuming(make_topic, producer, kafka_settings):
    """Group heartbeats go every 3 s; with a 1 s limit the check sees a silent member holding
    partitions, replaces its client, and the new one rejoins and handles what arrives next."""
    topic = make_topic(SAFETY)
    handled = []
    consumer = consumer_for(topic, handled.append, kafka_settings, producer, stalled_after_s=1.0)
    stop, thread = threading.Event(), None
    before = STALLS.labels(consumer.config.group_id)._value.get()
    try:
        thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while STALLS.labels(consumer.config.group_id)._value.get() == before:
            assert time.monotonic() < deadline, "the silent member never reconnected"
            time.sleep(0.2)
        later = envelope("p-after-reconnect")
        send(producer, topic.name, *encode(later)).get(10)
        while later.id not in [e.id for e in handled]:
            assert time.monotonic() < deadline + 60, "nothing was handled after the reconnect"
            time.sleep(0.2)
    finally:
        stop.set()
        if thread is not None:
            thread.join(30)
        consumer.close()
