"""Metrics: events per second one worker folds into its tables (all tables updating, measured until
the view of the changelogs shows them), against a raw aiokafka consumer reading the same records
in the same run; then recovery time after a restart with a large changelog, memory store (replays
everything) against the RocksDB store on a kept data dir (reads only what it missed).

Usage: python bench/metrics_throughput.py [--events 20000] [--changelog 1000000]   (needs `make stack-up`)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition
from common import kafka_settings, report_figure
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from peerbridge_metrics.tables import PARTICIPANTS, TABLES
from peerbridge_metrics.view import FactsView
from peerbridge_shared.events import Envelope, encode
from peerbridge_shared.events.care import AttendanceRecorded, AttendanceStatus
from peerbridge_shared.events.scheduling import SessionKind
from peerbridge_shared.messaging import create_producer
from peerbridge_shared.testing.kafka_reader import commit_group_at_end
from peerbridge_shared.topics import CARE

PORT = 6097


def start_worker(app_id: str, datadir: str, store: str) -> subprocess.Popen:
    env = {**os.environ, "METRICS_FAUST_APP_ID": app_id, "METRICS_FAUST_WEB_PORT": str(PORT),
           "METRICS_FAUST_DATA_DIR": datadir, "METRICS_FAUST_STORE": store, "OTEL_TRACES_EXPORTER": "none"}
    # info, as deployed: at warn and above Faust's worker draws a terminal spinner and sets the root
    # logger to DEBUG for it, so every debug call of aiokafka and Faust builds a record (~8% of the fold)
    return subprocess.Popen([sys.executable, "-m", "peerbridge_metrics.worker", "worker", "--loglevel", "info"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def seconds_until_ready(started: float, timeout_s: float = 1800) -> float:
    while time.monotonic() - started < timeout_s:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/readyz", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError("worker never became ready")


def attendance_events(tenant: str, count: int) -> list[Envelope]:
    start = datetime(2026, 1, 5, 14, tzinfo=UTC)
    return [Envelope(data=AttendanceRecorded(
        participant_id=f"{tenant}-p{n % 2000}", session_id=f"s{n}", program_id="prog", site_id="site",
        peer_id="peer", session_kind=SessionKind.GROUP, status=AttendanceStatus.ATTENDED, minutes_present=60,
        session_starts_at=start + timedelta(hours=n)), tenant=tenant, source="/bench", subject="p",
        id=str(uuid.uuid4()), time=start) for n in range(count)]


async def raw_consume(kafka, ends_before: dict, count: int) -> float:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    partitions = [TopicPartition(CARE.name, p) for p in ends_before]
    consumer.assign(partitions)
    for tp in partitions:
        consumer.seek(tp, ends_before[tp.partition])
    started, seen = time.perf_counter(), 0
    while seen < count:
        for records in (await consumer.getmany(timeout_ms=500)).values():
            seen += len(records)
    elapsed = time.perf_counter() - started
    await consumer.stop()
    return elapsed


def skip_history(kafka, app_id: str) -> None:
    """The new worker's group starts at the end of every topic it reads: it folds only this run's events."""
    commit_group_at_end(kafka, app_id, [topic.name for spec in TABLES for topic in spec.topics])


def care_ends(kafka) -> dict[int, int]:
    from kafka import KafkaConsumer
    from kafka import TopicPartition as Tp

    consumer = KafkaConsumer(**kafka.client_config())
    ends = consumer.end_offsets([Tp(CARE.name, p) for p in range(CARE.partitions)])
    consumer.close()
    return {tp.partition: offset for tp, offset in ends.items()}


def wait_idle(view: FactsView, quiet_s: float = 3.0) -> None:
    while not view.ready.is_set():
        time.sleep(0.2)
    last, since = view.version, time.monotonic()
    while time.monotonic() - since < quiet_s:
        time.sleep(0.2)
        if view.version != last:
            last, since = view.version, time.monotonic()


def seconds_until_folded(view: FactsView, tenant: str, events: int, timeout_s: float = 1800) -> float:
    """When the view last took a changelog record, once its states hold every event. The view's
    states are validated only every half second: validating them on every check would take the
    CPU the worker is being measured on (two cores)."""
    last_version, last_change, last_count = view.version, time.perf_counter(), 0.0
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        time.sleep(0.01)
        if view.version != last_version:
            last_version, last_change = view.version, time.perf_counter()
        if time.perf_counter() - last_count >= 0.5:
            last_count = time.perf_counter()
            if sum(len(s.attendance) for s in view.facts(tenant).participants) >= events:
                return last_change
    raise TimeoutError(f"the view did not show all {events} events within {timeout_s:.0f} s")


def throughput(events: int) -> None:
    kafka, app_id, tenant = kafka_settings(), f"bench-metrics-{uuid.uuid4().hex[:6]}", f"org-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as datadir:
        skip_history(kafka, app_id)
        worker = start_worker(app_id, datadir, "memory://")
        try:
            seconds_until_ready(time.monotonic())
            view = FactsView(kafka, app_id).start()
            wait_idle(view)
            records, ends = [encode(envelope) for envelope in attendance_events(tenant, events)], care_ends(kafka)
            producer = create_producer(kafka, linger_ms=20, batch_size=256 * 1024)
            started = time.perf_counter()
            for key, value, headers in records:  # encoded beforehand: the feed must outpace the worker
                producer.send(CARE.name, key=key, value=value, headers=headers)
            producer.flush()
            fed = time.perf_counter() - started
            folded = seconds_until_folded(view, tenant, events) - started
            view.stop()
        finally:
            worker.terminate()
            worker.wait(60)
    raw = asyncio.run(raw_consume(kafka, ends, events))
    print(f"fold {events} events (produce -> table -> changelog -> view): {events / folded:,.0f} events/s "
          f"({folded:.1f} s; the records were all produced after {fed:.1f} s, {events / fed:,.0f}/s)")
    print(f"baseline raw aiokafka consumer, same records: {events / raw:,.0f} events/s ({raw:.2f} s); "
          f"ratio {raw / folded:.3f} of the raw rate")
    report_figure("metrics worker fold, all tables", events / folded, "events/s", "raw aiokafka consumer", events / raw)


def fill_changelog(app_id: str, records: int, keys: int) -> None:
    kafka = kafka_settings()
    admin = KafkaAdminClient(**kafka.client_config())
    admin.create_topics([NewTopic(PARTICIPANTS.changelog(app_id), PARTICIPANTS.partitions, 1,
                                  topic_configs={"cleanup.policy": "compact"})])
    admin.close()
    producer = create_producer(kafka, linger_ms=20)
    value = json.dumps({"organization_id": "org-bench", "participant_id": "x", "enrollments": {}}).encode()
    for n in range(records):
        key = json.dumps(f"p{n % keys}").encode()
        producer.send(PARTICIPANTS.changelog(app_id), key=key, value=value, partition=n % PARTICIPANTS.partitions)
    producer.flush()


def recovery(records: int) -> None:
    app_id = f"bench-recovery-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    fill_changelog(app_id, records, keys=max(1, records // 10))
    print(f"changelog: {records:,} records written in {time.monotonic() - started:.1f} s")
    skip_history(kafka_settings(), app_id)
    with tempfile.TemporaryDirectory() as datadir:
        seconds = {}
        for label, store in (("memory store, cold", "memory://"), ("rocksdb, cold (builds the local db)", "rocksdb://"),
                             ("rocksdb, restart on the kept data dir", "rocksdb://")):
            worker = start_worker(app_id, datadir, store)
            try:
                seconds[label] = seconds_until_ready(time.monotonic())
                print(f"recovery {label}: ready after {seconds[label]:.1f} s")
            finally:
                worker.send_signal(signal.SIGTERM)
                worker.wait(120)
    report_figure(f"metrics restart, {records:,}-record changelog, RocksDB", seconds[label], "s",
           "same changelog, memory store", seconds["memory store, cold"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--changelog", type=int, default=1_000_000)
    args = parser.parse_args()
    throughput(args.events)
    recovery(args.changelog)


if __name__ == "__main__":
    main()
