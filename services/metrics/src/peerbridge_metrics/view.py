"""The facts the metrics worker keeps, read back from its tables' changelog topics.

The worker's tables are partitioned: each worker instance holds only its partitions. A program's
measures need all of them, so the read API and the feed publisher each materialize every
partition of the (compacted) changelogs in memory: one state per key, the latest record wins.
Ready once it has read up to the end offsets it found when it started.
"""

from __future__ import annotations

import json
import logging
import threading

from kafka import KafkaConsumer, TopicPartition
from prometheus_client import Gauge

from peerbridge_shared.settings import KafkaSettings

from .measures import Facts
from .tables import CASES_TABLE, PARTICIPANTS, PEERS, TABLES, TableSpec

log = logging.getLogger(__name__)
# what the view holds in memory (its process's resident memory follows them)
HELD_KEYS = Gauge("peerbridge_metrics_view_keys", "Keys of the worker's tables held by the view")
HELD_BYTES = Gauge("peerbridge_metrics_view_bytes", "Bytes of the latest changelog records held by the view")


class FactsView:
    def __init__(self, kafka: KafkaSettings, app_id: str) -> None:
        self.kafka, self.app_id = kafka, app_id
        self.ready = threading.Event()
        self._specs = {spec.changelog(app_id): spec for spec in TABLES}
        self._records: dict[str, dict[str, bytes]] = {spec.name: {} for spec in TABLES}  # latest value per key
        self._states: dict[str, dict[str, object]] = {spec.name: {} for spec in TABLES}  # validated on read
        self._changed: dict[str, set[str]] = {spec.name: set() for spec in TABLES}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.version = 0  # bumped on every applied record, so readers can tell whether anything changed
        self.held_keys = self.held_bytes = 0

    def start(self) -> FactsView:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="metrics-view", daemon=True)
            self._thread.start()
        return self

    @property
    def running(self) -> bool:
        """The reader thread is alive (it ends on an error; ready then tells the API, this the feed)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def facts(self, organization_id: str | None = None) -> Facts:
        with self._lock:
            for spec in TABLES:
                self._validate_changed(spec)
            facts = Facts(*(list(self._states[spec.name].values()) for spec in (PARTICIPANTS, CASES_TABLE, PEERS)))
        return facts.of(organization_id) if organization_id else facts

    def _validate_changed(self, spec: TableSpec) -> None:
        records, states = self._records[spec.name], self._states[spec.name]
        for key in self._changed[spec.name]:
            if key in records:
                states[key] = spec.state.model_validate_json(records[key])
            else:
                states.pop(key, None)
        self._changed[spec.name].clear()

    def _run(self) -> None:
        try:
            consumer = KafkaConsumer(client_id=f"{self.app_id}-view", enable_auto_commit=False,
                                     **self.kafka.client_config())
        except Exception:  # noqa: BLE001 - Kafka unreachable: stay not ready
            log.exception("metrics view cannot reach Kafka")
            return
        try:
            partitions = self._wait_for_partitions(consumer)
            if partitions is None:
                return
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            pending = {tp: end for tp, end in consumer.end_offsets(partitions).items() if end > 0}
            self._mark_ready_if_caught_up(consumer, pending)
            while not self._stop.is_set():
                for tp, records in consumer.poll(timeout_ms=500).items():
                    self._apply(self._specs[tp.topic], records)
                self._mark_ready_if_caught_up(consumer, pending)
        except Exception:  # noqa: BLE001 - a dead view must show as not ready, not vanish silently
            log.exception("metrics view stopped")
            self.ready.clear()
        finally:
            consumer.close()

    def _wait_for_partitions(self, consumer: KafkaConsumer) -> list[TopicPartition] | None:
        """The changelogs appear when the worker first starts; until then the view is not ready."""
        while not self._stop.is_set():
            found = {topic: consumer.partitions_for_topic(topic) for topic in self._specs}
            if all(found.values()):
                return [TopicPartition(topic, p) for topic, numbers in found.items() for p in sorted(numbers)]
            self._stop.wait(1.0)
        return None

    def _mark_ready_if_caught_up(self, consumer: KafkaConsumer, pending: dict[TopicPartition, int]) -> None:
        if self.ready.is_set():
            return
        for tp in [tp for tp, end in pending.items() if consumer.position(tp) >= end]:
            del pending[tp]
        if not pending:
            self.ready.set()

    def _apply(self, spec: TableSpec, records: list) -> None:
        with self._lock:
            latest, changed = self._records[spec.name], self._changed[spec.name]
            for record in records:
                key = json.loads(record.key)
                previous = latest.pop(key, None)
                if previous is not None:
                    self.held_keys, self.held_bytes = self.held_keys - 1, self.held_bytes - len(previous)
                if record.value is not None:
                    latest[key] = record.value
                    self.held_keys, self.held_bytes = self.held_keys + 1, self.held_bytes + len(record.value)
                changed.add(key)
            self.version += 1
            HELD_KEYS.set(self.held_keys)
            HELD_BYTES.set(self.held_bytes)
