"""Read what was written to topics after a point, without a consumer group."""

from __future__ import annotations

import time
from collections.abc import Iterable

from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaTimeoutError
from kafka.structs import OffsetAndMetadata, TopicPartition

from ..settings import KafkaSettings


class KafkaReader:
    """``mark()`` remembers each partition's end; ``read()`` returns records written since."""

    def __init__(self, kafka: KafkaSettings, topics: Iterable[str], *, from_beginning: bool = False) -> None:
        self._consumer = KafkaConsumer(enable_auto_commit=False, **kafka.client_config())
        self.partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(self._partitions_of(topic))
        ]
        self._consumer.assign(self.partitions)
        if from_beginning:
            self._consumer.seek_to_beginning(*self.partitions)
        else:
            self.mark()

    def _partitions_of(self, topic: str) -> set[int]:
        deadline = time.monotonic() + 30
        while not (found := self._consumer.partitions_for_topic(topic)):
            if time.monotonic() > deadline:
                raise LookupError(f"topic {topic} does not exist")
            time.sleep(0.2)
        return found

    def mark(self) -> None:
        for partition, offset in self._end_offsets().items():
            self._consumer.seek(partition, offset)

    def _end_offsets(self, attempts: int = 6, timeout_ms: int = 5_000) -> dict[TopicPartition, int]:
        """The partitions' ends; after a broker was killed and restarted an ask can time out on
        stale metadata, so fresh metadata is fetched and the ask repeated."""
        for _ in range(attempts - 1):
            try:
                return self._consumer.end_offsets(self.partitions, timeout_ms=timeout_ms)
            except KafkaTimeoutError:
                self._consumer.topics()  # a full metadata refresh
        return self._consumer.end_offsets(self.partitions, timeout_ms=timeout_ms)

    def read(self, count: int, timeout_s: float = 30.0) -> list[ConsumerRecord]:
        """At least ``count`` records (fewer if ``timeout_s`` passes first), in arrival order."""
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout_s
        while len(records) < count and time.monotonic() < deadline:
            for batch in self._consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        return records

    def read_to_end(self, timeout_s: float = 30.0) -> list[ConsumerRecord]:
        """Everything written before this call: reads until every partition reaches its current end."""
        ends = self._end_offsets()
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout_s
        while any(self._consumer.position(p) < end for p, end in ends.items()):
            if time.monotonic() > deadline:
                raise TimeoutError("Kafka did not deliver every record written before the read")
            for batch in self._consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        return records

    def read_quiet(self, quiet_s: float = 1.0) -> list[ConsumerRecord]:
        """Everything that arrives until ``quiet_s`` passes with nothing new."""
        records: list[ConsumerRecord] = []
        while batch := self.read(1, timeout_s=quiet_s):
            records.extend(batch)
        return records

    def close(self) -> None:
        self._consumer.close()


def commit_group_at_end(kafka: KafkaSettings, group_id: str, topics: Iterable[str]) -> None:
    """Commit a new consumer group's offsets at the current end of ``topics``, so a worker started with
    that group reads only what is produced from now on (not what earlier runs left on shared topics)."""
    consumer = KafkaConsumer(group_id=group_id, enable_auto_commit=False, **kafka.client_config())
    partitions = [TopicPartition(topic, p) for topic in topics for p in sorted(consumer.partitions_for_topic(topic))]
    consumer.assign(partitions)
    consumer.seek_to_end(*partitions)
    consumer.commit({tp: OffsetAndMetadata(consumer.position(tp), "", -1) for tp in partitions})
    consumer.close()
