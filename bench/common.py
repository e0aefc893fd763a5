"""Helpers shared by the benchmarks: percentiles, a fresh database, the raw Kafka baseline."""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic
from kafka.structs import TopicPartition
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from peerbridge_shared.messaging import create_producer
from peerbridge_shared.settings import KafkaSettings

ADMIN_URL = "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:5432/postgres"


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    """p50 and p99; one sample is both (a soak's last, partial window may hold only one)."""
    if len(samples_ms) == 1:
        return samples_ms[0], samples_ms[0]
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return cuts[49], cuts[98]


def kafka_settings() -> KafkaSettings:
    return KafkaSettings(_env_prefix="PEERBRIDGE_KAFKA_")


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scratch_topic(kafka: KafkaSettings) -> Iterator[str]:
    admin = KafkaAdminClient(**kafka.client_config())
    topic = f"bench.{uuid.uuid4().hex[:8]}"
    admin.create_topics([NewTopic(topic, 1, 1)])
    try:
        yield topic
    finally:
        admin.delete_topics([topic])
        admin.close()


def assigned_consumer(kafka: KafkaSettings, topics: list[str]) -> KafkaConsumer:
    consumer = KafkaConsumer(enable_auto_commit=False, fetch_max_wait_ms=10, **kafka.client_config())
    partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or {0})]
    consumer.assign(partitions)
    consumer.seek_to_end(*partitions)
    for partition in partitions:
        consumer.position(partition)
    return consumer


def wait_for(consumer: KafkaConsumer, predicate: Callable) -> None:
    while True:
        for batch in consumer.poll(timeout_ms=1000).values():
            if any(predicate(record) for record in batch):
                return


def raw_round_trip(kafka: KafkaSettings, samples: int) -> list[float]:
    """Baseline: idempotent acks=all produce of one record until a consumer holds it, one in flight."""
    with scratch_topic(kafka) as topic:
        producer = create_producer(kafka, linger_ms=0)
        consumer = assigned_consumer(kafka, [topic])
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


def report_figure(measure: str, figure: float, unit: str, baseline_label: str, baseline: float) -> None:
    """Add one headline figure to this run's results (``make bench`` prints them as one table)."""
    path = os.environ.get("PEERBRIDGE_BENCH_RESULTS")
    if not path:
        return
    row = {"measure": measure, "figure": figure, "unit": unit, "baseline": baseline_label,
           "baseline_figure": baseline, "ratio": figure / baseline if baseline else None}
    with open(path, "a") as results:
        results.write(json.dumps(row) + "\n")
