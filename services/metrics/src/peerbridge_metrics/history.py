"""Every version of every funder report metrics has published, with its true counts.

Joint suppression needs what a funder already holds (each earlier version, not only the latest the
compacted outcome feed keeps) and the true counts behind it (to tell which hidden counts changed),
which must never reach a funder. So the feed publisher first writes each version to metrics' own
compacted topic ``<app id>-funder-reports`` (key ``<organization>:<program>:<period>:v<version>``,
so no version is compacted away), then publishes it on the outcome feed. The read API follows the
same topic to serve exactly what was published.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import date, datetime

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.producer.future import FutureRecordMetadata
from prometheus_client import Gauge

from peerbridge_shared.settings import KafkaSettings
from peerbridge_shared.topics import create_topics

from .report import Report
from .suppression import Group

log = logging.getLogger(__name__)
HELD_VERSIONS = Gauge("peerbridge_metrics_published_versions", "Published report versions held in memory")


def history_topic(app_id: str) -> str:
    return f"{app_id}-funder-reports"


def as_record(organization_id: str, report: Report) -> dict:
    return {"organization_id": organization_id, "program_id": report.program_id, "period": report.period,
            "period_start": report.period_start.isoformat(), "period_end": report.period_end.isoformat(),
            "version": report.version, "corrects": report.corrects, "basis": report.basis,
            "published_at": report.published_at.isoformat() if report.published_at else None,
            "counts": report.counts, "groups": [[g.total, list(g.members)] for g in report.groups],
            "derived": {name: [value, list(deps)] for name, (value, deps) in report.derived.items()},
            "measures": report.measures, "suppression": report.suppression, "equations": report.equations,
            "protection_width": report.protection_width}


def from_record(record: dict) -> tuple[str, Report]:
    report = Report(record["program_id"], record["period"], date.fromisoformat(record["period_start"]),
                    date.fromisoformat(record["period_end"]), record["measures"], record["suppression"],
                    [Group(total, tuple(members)) for total, members in record["groups"]], record["counts"],
                    {name: (value, tuple(deps)) for name, (value, deps) in record["derived"].items()},
                    record["version"], record["corrects"], record["equations"], record["protection_width"],
                    record["basis"],
                    datetime.fromisoformat(record["published_at"]) if record["published_at"] else None)
    return record["organization_id"], report


class PublishedHistory:
    """The published versions, by organization and program, read from (and written to) the topic."""

    def __init__(self, kafka: KafkaSettings, app_id: str, replication_factor: int = 1) -> None:
        self.kafka, self.topic, self.replication_factor = kafka, history_topic(app_id), replication_factor
        self.ready = threading.Event()
        self._reports: dict[tuple[str, str], dict[tuple[str, int], Report]] = {}
        self.held_versions = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ensure_topic(self) -> None:
        admin = KafkaAdminClient(**self.kafka.client_config())
        try:
            create_topics(admin, [NewTopic(self.topic, 1, self.replication_factor,
                                           topic_configs={"cleanup.policy": "compact"})])
        finally:
            admin.close()

    def add(self, organization_id: str, report: Report) -> None:
        with self._lock:
            versions = self._reports.setdefault((organization_id, report.program_id), {})
            self.held_versions += (report.period, report.version) not in versions
            versions[(report.period, report.version)] = report
            HELD_VERSIONS.set(self.held_versions)

    def write(self, producer: KafkaProducer, organization_id: str, report: Report) -> FutureRecordMetadata:
        self.add(organization_id, report)
        key = f"{organization_id}:{report.version_id}".encode()
        return producer.send(self.topic, key=key, value=json.dumps(as_record(organization_id, report)).encode())

    def of(self, organization_id: str, program_id: str) -> list[Report]:
        with self._lock:
            found = self._reports.get((organization_id, program_id), {})
            return [found[key] for key in sorted(found)]

    def programs(self) -> list[tuple[str, str]]:
        with self._lock:
            return sorted(self._reports)

    def latest(self, organization_id: str, program_id: str) -> dict[str, Report]:
        """period -> its latest published version."""
        return {report.period: report for report in self.of(organization_id, program_id)}

    def load(self) -> PublishedHistory:
        """Read the topic to its end once (the feed publisher, before it publishes anything)."""
        self.ensure_topic()
        consumer = KafkaConsumer(enable_auto_commit=False, **self.kafka.client_config())
        try:
            self._follow(consumer, until_end=True)
        finally:
            consumer.close()
        return self

    def start(self) -> PublishedHistory:
        """Follow the topic in a thread (the read API); ready once caught up."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="metrics-history", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            self.ensure_topic()
            consumer = KafkaConsumer(enable_auto_commit=False, **self.kafka.client_config())
        except Exception:  # noqa: BLE001 - Kafka unreachable: stay not ready
            log.exception("published reports cannot be read")
            return
        try:
            self._follow(consumer, until_end=False)
        except Exception:  # noqa: BLE001 - a dead reader must show as not ready
            log.exception("published reports reader stopped")
            self.ready.clear()
        finally:
            consumer.close()

    def _follow(self, consumer: KafkaConsumer, until_end: bool) -> None:
        partitions = [TopicPartition(self.topic, p) for p in sorted(consumer.partitions_for_topic(self.topic) or [0])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        while not self._stop.is_set():
            if all(consumer.position(tp) >= end for tp, end in ends.items()):
                self.ready.set()
                if until_end:
                    return
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    if record.value is not None:
                        self.add(*from_record(json.loads(record.value)))
