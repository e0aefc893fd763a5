"""The metrics stream worker (faust-streaming): `python -m peerbridge_metrics.worker [faust args]`.

One agent per table (see tables.py) folds its topics into the table with the same state code the
batch reference uses; each table is keyed and partitioned like its topics. Events are folded in
batches (``fold_batch_max`` or what came within ``fold_batch_wait_s``): each key's state is read
and written once per batch (as its JSON, encoded once); the batch's offsets are committed after its
writes. The states a batch folded are kept for the next ones (``FoldedStates``), so a state is read
back from the table only the first time and after a rebalance. Bad events go to the
topic's dead-letter topic and never stop an agent. The worker's web port answers ``/readyz`` with
200 only once every table is recovered from its changelog (RocksDB on a volume in production, so a
restart reads only what it missed).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faust
from faust.exceptions import PartitionsMismatch
from faust.streams import _current_event
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from peerbridge_shared.events import Envelope, InvalidEvent, decode
from peerbridge_shared.messaging import create_producer
from peerbridge_shared.messaging.dead_letters import DeadLetters, header_list
from peerbridge_shared.messaging.faust_fetch import shorten_fetch_wait
from peerbridge_shared.topics import create_topics

from .settings import MetricsSettings, get_settings
from .tables import TABLES, TableSpec

log = logging.getLogger(__name__)
CHANGELOG_WAIT_S = 2.0


def create_app(settings: MetricsSettings | None = None) -> faust.App:
    settings = settings or get_settings()
    shorten_fetch_wait()  # Faust's 1.5 s fetch wait stalls a busy stream (faust_fetch)
    Path(settings.faust_data_dir).mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.faust_app_id, broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        store=settings.faust_store, datadir=str(Path(settings.faust_data_dir)),
        broker_session_timeout=settings.faust_session_timeout_s,
        broker_heartbeat_interval=settings.faust_session_timeout_s / 3,
        topic_replication_factor=settings.faust_replication_factor, web_port=settings.faust_web_port,
        web_bind=settings.host, web_host=settings.host, consumer_auto_offset_reset="earliest",
        broker_credentials=settings.kafka.faust_credentials(),
        # the changelog writes of a batch go out in a few produce requests, not one per key
        producer_linger=0.01, producer_max_batch_size=512 * 1024,
    )
    dead_letters = DeadLetters(create_producer(settings.kafka), settings.faust_app_id,
                               {topic.name: topic.dead_letter for spec in TABLES for topic in spec.topics})
    for spec in TABLES:
        _fold_agent(app, spec, dead_letters, settings)

    @app.page("/readyz")
    async def readyz(web, request):  # noqa: ANN001 - faust's view signature
        if not app.tables.recovery.completed.is_set():
            return web.json({"status": "recovering"}, status=503)
        return web.json({"status": "ready"})

    return app


def _fold_agent(app: faust.App, spec: TableSpec, dead_letters: DeadLetters, settings: MetricsSettings) -> None:
    # Hourly segments let compaction keep about one record per key, so recoveries and the read
    # views read the tables' state, not their whole history (applies when Faust creates the topic).
    # Values are the state's JSON as bytes (the read views validate exactly those bytes).
    table = app.Table(spec.name, default=None, partitions=spec.partitions, value_type=bytes,
                      extra_topic_configs={"segment.ms": str(3_600_000)})
    channel = app.topic(*(topic.name for topic in spec.topics), key_type=bytes, value_type=bytes,
                        key_serializer="raw", value_serializer="raw")
    kept = FoldedStates(settings.fold_states_kept)
    app.on_partitions_revoked.connect(lambda *_args, **_kwargs: kept.clear())

    async def fold(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.fold_batch_max, within=settings.fold_batch_wait_s):
            await Batch(spec, table, dead_letters, kept).fold(events)

    app.agent(channel, name=f"fold-{spec.name}")(fold)


class FoldedStates:
    """The states batches folded and wrote, kept (the ``most`` last used) so the next batch need not
    read and validate them from the table again. A batch takes a key's state out while it folds it
    and puts it back only once written, so a batch that fails half-way leaves nothing here. Cleared
    when partitions are revoked: another worker may fold those keys before they come back."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.generation = 0  # a batch begun before a clear puts nothing back
        self._states: OrderedDict[str, Any] = OrderedDict()

    def take(self, key: str) -> Any | None:
        return self._states.pop(key, None)

    def put_back(self, states: dict[str, Any], generation: int) -> None:
        if generation != self.generation:
            return
        self._states.update(states)
        for key in states:
            self._states.move_to_end(key)
        while len(self._states) > self.most:
            self._states.popitem(last=False)

    def clear(self) -> None:
        self._states.clear()
        self.generation += 1


class Batch:
    """One batch of a table's events: each key's state is read once, every event folded into it in
    order, and each changed key written once. An event that fails is dead-lettered and its key's
    state rebuilt from the table with the batch's other events of that key, so a half-applied event
    is never written."""

    def __init__(self, spec: TableSpec, table: faust.Table, dead_letters: DeadLetters,
                 kept: FoldedStates | None = None) -> None:
        self.spec, self.table, self.dead_letters = spec, table, dead_letters
        self.kept = kept or FoldedStates(0)
        self.generation = self.kept.generation
        self.states: dict[str, Any] = {}
        self.applied: dict[str, list[Envelope]] = {}
        self.last_event: dict[str, Any] = {}  # a key's latest event: its partition is the key's store and changelog
        self.changed: set[str] = set()

    async def fold(self, events: list) -> None:
        for event in events:
            message = event.message
            headers = header_list(message.headers)
            try:
                await self._apply(decode(message.key, message.value, headers), event)
            except Exception as exc:  # noqa: BLE001 - an exception escaping the agent would stop it
                self._park(message, headers, exc)
        for key in self.changed:
            state = self.states[key].model_dump_json().encode()
            with as_current(self.last_event[key]):
                await _patiently(self.spec, lambda: self.table.__setitem__(key, state))  # noqa: B023 - awaited here
        self.kept.put_back(self.states, self.generation)

    async def _apply(self, envelope: Envelope, event: Any) -> None:
        key = self.spec.key_of(envelope.data)
        if key is None:
            return
        self.last_event[key] = event
        if key not in self.states:
            self.states[key] = self.kept.take(key) or await self._stored(key, envelope.tenant, event)
        try:
            changed = self.states[key].apply(envelope)
        except Exception:
            self.states[key] = await self._stored(key, envelope.tenant, event)
            for earlier in self.applied.get(key, []):
                self.states[key].apply(earlier)
            raise
        self.applied.setdefault(key, []).append(envelope)
        if changed:
            self.changed.add(key)

    async def _stored(self, key: str, organization_id: str, event: Any) -> Any:
        with as_current(event):
            stored = await _patiently(self.spec, lambda: self.table.get(key))
        if not stored:
            return self.spec.new(organization_id, key)
        return self.spec.state.model_validate_json(stored) if isinstance(stored, bytes | str) \
            else self.spec.state.model_validate(stored)

    def _park(self, message: Any, headers: list[tuple[str, bytes]], exc: Exception) -> None:
        invalid = isinstance(exc, InvalidEvent)
        if not invalid:
            log.exception("metrics fold failed", extra={"table": self.spec.name})
        self.dead_letters.park(topic=message.topic, partition=message.partition, offset=message.offset,
                               key=message.key, value=message.value, headers=headers,
                               reason=exc.reason if invalid else f"handler failed: {exc}", error=exc,
                               attempts=0 if invalid else 1)


@contextmanager
def as_current(event: Any) -> Iterator[None]:
    """Faust's table store and changelog take the partition from the stream's current event; in a
    batch that is set to the event whose key is read or written."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


async def _patiently(spec: TableSpec, call: Callable[[], Any]) -> Any:
    """A table read or write, waited out while the changelog is not usable (the cluster's fault,
    not the event's: lose nothing)."""
    while True:
        try:
            return call()
        except PartitionsMismatch:
            log.error("table changelog not usable yet; the batch waits", extra={"table": spec.name})
            await asyncio.sleep(CHANGELOG_WAIT_S)


def create_changelogs(app: faust.App, settings: MetricsSettings, timeout_s: float = 60.0) -> list[str]:
    """Create the tables' changelog topics before the worker joins its group, and wait until the
    cluster lists them. Faust would create them itself, but on a fresh cluster its first partition
    assignment is made from metadata that does not have them yet, and every table write then fails
    (PartitionsMismatch) until the next metadata refresh, minutes later."""
    topics = [NewTopic(table.changelog_topic.get_topic_name(), table.partitions, settings.faust_replication_factor,
                       topic_configs={"cleanup.policy": "compact", **table.changelog_topic.config})
              for table in app.tables.values()]
    admin = KafkaAdminClient(client_id=f"{settings.faust_app_id}-changelogs", **settings.kafka.client_config())
    try:
        created = create_topics(admin, topics)
        deadline = time.monotonic() + timeout_s
        while not {topic.name for topic in topics} <= set(admin.list_topics()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"changelog topics not listed after {timeout_s:.0f} s: {created}")
            time.sleep(0.5)
    finally:
        admin.close()
    if created:
        log.info("table changelog topics created", extra={"topics": created})
    return created


def main() -> None:
    settings = get_settings()
    app = create_app(settings)
    if len(sys.argv) == 1:
        sys.argv += ["worker", "--loglevel", "info"]
    if sys.argv[1] == "worker":
        create_changelogs(app, settings)
    app.main()


if __name__ == "__main__":
    main()
