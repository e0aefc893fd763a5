"""Round-trip latency on loopback, the floor every later latency is compared to.

1. raw: an idempotent acks=all produce of one record until a consumer holds it (one in flight);
2. outbox: a PostgreSQL commit of a business row's event until the consumer holds it, through
   the outbox relay running as it does in production; printed as a ratio to the raw figure.

Usage: python bench/kafka_roundtrip.py [--samples 300]   (needs `make stack-up`)
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic
from kafka.structs import TopicPartition
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from peerbridge_shared.db import Database, MessagingBase
from peerbridge_shared.events import decode
from peerbridge_shared.events.envelope import utc_now
from peerbridge_shared.events.safety import ConcernCategory, SafetyConcernRaised
from peerbridge_shared.messaging import create_producer
from peerbridge_shared.outbox import OutboxRelay, add_event
from peerbridge_shared.settings import KafkaSettings

ADMIN_URL = "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:5432/postgres"


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return cuts[49], cuts[98]


def wait_for(consumer: KafkaConsumer, predicate) -> None:
    while True:
        for batch in consumer.poll(timeout_ms=1000).values():
            if any(predicate(record) for record in batch):
                return


def raw_round_trip(kafka: KafkaSettings, topic: str, samples: int) -> list[float]:
    producer = create_producer(kafka, linger_ms=0)
    consumer = assigned_consumer(kafka, topic)
    results = []
    for i in range(samples + 20):
        marker = str(i).encode()
        start = time.perf_counter()
        producer.send(topic, key=b"bench", value=marker)
        wait_for(consumer, lambda r, m=marker: r.value == m)
        if i >= 20:  # warm-up
            results.append((time.perf_counter() - start) * 1000)
    producer.close()
    consumer.close()
    return results


def outbox_round_trip(kafka: KafkaSettings, topic: str, samples: int) -> list[float]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    MessagingBase.metadata.create_all(database.engine)
    producer = create_producer(kafka, linger_ms=0)
    stop = threading.Event()
    relay = threading.Thread(target=OutboxRelay(database, producer).run, args=(stop,), daemon=True)
    relay.start()
    consumer = assigned_consumer(kafka, topic)
    results = []
    try:
        for i in range(samples + 20):
            data = SafetyConcernRaised(participant_id="p-bench", concern_id=str(i), program_id="bench",
                                       category=ConcernCategory.OTHER, raised_by="bench", raised_at=utc_now())
            start = time.perf_counter()
            with database.transaction() as session:
                add_event(session, data, tenant="bench", source="/bench").topic = topic
            wait_for(consumer, lambda r, cid=str(i): decode(r.key, r.value, r.headers).data.concern_id == cid)
            if i >= 20:
                results.append((time.perf_counter() - start) * 1000)
    finally:
        stop.set()
        relay.join()
        producer.close()
        consumer.close()
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    return results


def assigned_consumer(kafka: KafkaSettings, topic: str) -> KafkaConsumer:
    consumer = KafkaConsumer(enable_auto_commit=False, fetch_max_wait_ms=10, **kafka.client_config())
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_end(partition)
    consumer.position(partition)
    return consumer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    kafka = KafkaSettings(_env_prefix="PEERBRIDGE_KAFKA_")
    admin = KafkaAdminClient(**kafka.client_config())
    topic = f"bench.roundtrip.{uuid.uuid4().hex[:8]}"
    admin.create_topics([NewTopic(topic, 1, 1)])
    brokers = len(admin.describe_cluster()["brokers"])
    try:
        raw = raw_round_trip(kafka, topic, args.samples)
        outbox = outbox_round_trip(kafka, topic, args.samples)
    finally:
        admin.delete_topics([topic])
        admin.close()
    raw_p50, raw_p99 = percentiles(raw)
    out_p50, out_p99 = percentiles(outbox)
    print(f"Kafka round trip on loopback ({brokers} broker(s), acks=all, idempotent, {args.samples} samples)")
    print(f"{'measure':<40}{'p50 ms':>10}{'p99 ms':>10}{'ratio p50':>12}{'ratio p99':>12}")
    print(f"{'raw produce -> consume (baseline)':<40}{raw_p50:>10.2f}{raw_p99:>10.2f}{1:>12.2f}{1:>12.2f}")
    print(f"{'outbox commit -> relay -> consume':<40}{out_p50:>10.2f}{out_p99:>10.2f}"
          f"{out_p50 / raw_p50:>12.2f}{out_p99 / raw_p99:>12.2f}")


if __name__ == "__main__":
    main()
