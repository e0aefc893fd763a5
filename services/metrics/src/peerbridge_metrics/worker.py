"""The metrics stream worker (faust-streaming): `python -m peerbridge_metrics.worker [faust args]`.

One agent per table (see tables.py) folds its topics into the table with the same state code the
batch reference uses; each table is keyed and partitioned like its topics. Bad events go to the
topic's dead-letter topic and never stop an agent. The worker's web port answers ``/readyz`` with
200 only once every table is recovered from its changelog (RocksDB on a volume in production, so a
restart reads only what it missed).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path

import faust
from faust.exceptions import PartitionsMismatch
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from peerbridge_shared.events import Envelope, InvalidEvent, decode
from peerbridge_shared.messaging import create_producer
from peerbridge_shared.messaging.dead_letters import DeadLetters, header_list
from peerbridge_shared.topics import create_topics

from .settings import MetricsSettings, get_settings
from .tables import TABLES, TableSpec

log = logging.getLogger(__name__)
CHANGELOG_WAIT_S = 2.0


def create_app(settings: MetricsSettings | None = None) -> faust.App:
    settings = settings or get_settings()
    Path(settings.faust_data_dir).mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.faust_app_id, broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        store=settings.faust_store, datadir=str(Path(settings.faust_data_dir)),
        broker_session_timeout=settings.faust_session_timeout_s,
        broker_heartbeat_interval=settings.faust_session_timeout_s / 3,
        topic_replication_factor=settings.faust_replication_factor, web_port=settings.faust_web_port,
        web_bind=settings.host, web_host=settings.host, consumer_auto_offset_reset="earliest",
        broker_credentials=settings.kafka.faust_credentials(),
    )
    dead_letters = DeadLetters(create_producer(settings.kafka), settings.faust_app_id,
                               {topic.name: topic.dead_letter for spec in TABLES for topic in spec.topics})
    for spec in TABLES:
        _fold_agent(app, spec, dead_letters)

    @app.page("/readyz")
    async def readyz(web, request):  # noqa: ANN001 - faust's view signature
        if not app.tables.recovery.completed.is_set():
            return web.json({"status": "recovering"}, status=503)
        return web.json({"status": "ready"})

    return app


def _fold_agent(app: faust.App, spec: TableSpec, dead_letters: DeadLetters) -> None:
    # Hourly segments let compaction keep about one record per key, so recoveries and the read
    # views read the tables' state, not their whole history (applies when Faust creates the topic).
    table = app.Table(spec.name, default=None, partitions=spec.partitions,
                      extra_topic_configs={"segment.ms": str(3_600_000)})
    channel = app.topic(*(topic.name for topic in spec.topics), key_type=bytes, value_type=bytes,
                        key_serializer="raw", value_serializer="raw")

    def apply(envelope: Envelope) -> None:
        key = spec.key_of(envelope.data)
        if key is None:
            return
        stored = table.get(key)
        state = spec.state.model_validate(stored) if stored else spec.new(envelope.tenant, key)
        if state.apply(envelope):
            table[key] = state.model_dump(mode="json")  # assign back: Faust saves it

    async def fold(stream: faust.StreamT) -> None:
        async for event in stream.events():
            message = event.message
            headers = header_list(message.headers)
            try:
                envelope = decode(message.key, message.value, headers)
                while True:
                    try:
                        apply(envelope)
                        break
                    except PartitionsMismatch:  # the cluster's fault, not the event's: wait, lose nothing
                        log.error("table changelog not usable yet; the event waits", extra={"table": spec.name})
                        await asyncio.sleep(CHANGELOG_WAIT_S)
            except Exception as exc:  # noqa: BLE001 - an exception escaping the agent would stop it
                invalid = isinstance(exc, InvalidEvent)
                if not invalid:
                    log.exception("metrics fold failed", extra={"table": spec.name})
                dead_letters.park(topic=message.topic, partition=message.partition, offset=message.offset,
                                  key=message.key, value=message.value, headers=headers,
                                  reason=exc.reason if invalid else f"handler failed: {exc}", error=exc,
                                  attempts=0 if invalid else 1)

    app.agent(channel, name=f"fold-{spec.name}")(fold)


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
