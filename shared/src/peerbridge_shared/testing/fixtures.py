"""pytest plugin: fixtures for tests that talk to the real local stack (``make stack-up``).

Each test session gets its own PostgreSQL database (dropped at the end) and each test that
asks for ``make_topic`` gets topics of its own, so runs never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from .. import heartbeat
from ..db import Database, MessagingBase
from ..idempotency import ProcessedMessage  # noqa: F401 - defines the table
from ..messaging.producer import create_producer
from ..migrations import upgrade
from ..outbox import OutboxMessage  # noqa: F401 - defines the table
from ..settings import KafkaSettings
from ..telemetry import setup_tracing
from ..topics import Topic
from .servers import serve_in_thread

ADMIN_URL = os.environ.get(
    "PEERBRIDGE_TEST_ADMIN_URL", "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session", autouse=True)
def _heartbeat_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Loops run by tests (and the processes they start) beat into the session's own file, not /tmp."""
    path = tmp_path_factory.mktemp("heartbeat") / "session.heartbeat"
    previous = os.environ.get(heartbeat.ENV)
    os.environ[heartbeat.ENV] = str(path)
    yield path
    if previous is None:
        os.environ.pop(heartbeat.ENV, None)
    else:
        os.environ[heartbeat.ENV] = previous


@pytest.fixture
def heartbeat_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A heartbeat file of the test's own, touched on every beat (no once-a-second limit)."""
    path = tmp_path / "test.heartbeat"
    monkeypatch.setenv(heartbeat.ENV, str(path))
    monkeypatch.setitem(heartbeat._heartbeats, path, heartbeat.Heartbeat(path, touch_every_s=0))
    return path


@pytest.fixture(scope="session")
def kafka_settings() -> KafkaSettings:
    return KafkaSettings(_env_prefix="PEERBRIDGE_KAFKA_")


@pytest.fixture(scope="session")
def kafka_admin(kafka_settings: KafkaSettings) -> Iterator[KafkaAdminClient]:
    try:
        admin = KafkaAdminClient(client_id="peerbridge-tests", **kafka_settings.client_config())
    except Exception as exc:  # noqa: BLE001
        pytest.exit(f"Kafka is not reachable at {kafka_settings.bootstrap_servers} ({exc}); run `make stack-up`", 2)
    yield admin
    admin.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``cluster`` run only against the 3-node cluster (``make stack-up KAFKA_MODE=cluster``)."""
    marked = [item for item in items if item.get_closest_marker("cluster")]
    if not marked:
        return
    settings = KafkaSettings(_env_prefix="PEERBRIDGE_KAFKA_")
    try:
        admin = KafkaAdminClient(client_id="peerbridge-tests", **settings.client_config())
        brokers = len(admin.describe_cluster()["brokers"])
        admin.close()
    except Exception:  # noqa: BLE001 - reported by the kafka_admin fixture
        return
    if brokers < 3:
        skip = pytest.mark.skip(reason=f"needs the 3-node Kafka cluster; {brokers} broker(s) running")
        for item in marked:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def producer(kafka_settings: KafkaSettings, kafka_admin: KafkaAdminClient) -> Iterator[KafkaProducer]:
    producer = create_producer(kafka_settings)
    yield producer
    producer.close()


@pytest.fixture
def make_topic(kafka_admin: KafkaAdminClient) -> Iterator[Callable[[Topic], Topic]]:
    """A private copy of a registered topic (same key, types, partitions), with its dead-letter topic."""
    created: list[str] = []

    def make(template: Topic) -> Topic:
        name = f"test.{uuid.uuid4().hex[:10]}.{template.name}"
        topic = Topic(name, template.key_field, template.value_types, template.partitions)
        kafka_admin.create_topics([NewTopic(name, topic.partitions, 1), NewTopic(topic.dead_letter, 1, 1)])
        created.extend([name, topic.dead_letter])
        return topic

    yield make
    if created:
        kafka_admin.delete_topics(created)


@pytest.fixture(scope="session")
def create_database() -> Iterator[Callable[[str], str]]:
    """Makes an empty PostgreSQL database and returns its URL; all are dropped at session end."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)  # survives a restart drill
    made: list[str] = []

    def create(label: str) -> str:
        name = f"test_{label}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        pytest.exit(f"PostgreSQL is not reachable ({exc}); run `make stack-up`", 2)
    yield create
    with admin.connect() as connection:
        for name in made:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_database(create_database: Callable[[str], str]) -> Callable[[str, Path], str]:
    """Makes a database migrated to head with a service's Alembic set-up; returns its URL."""

    def make(label: str, alembic_ini: Path) -> str:
        url = create_database(label)
        upgrade(alembic_ini, url)
        return url

    return make


@pytest.fixture(scope="session")
def _messaging_database(create_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database(create_database("shared"))
    MessagingBase.metadata.create_all(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def database(_messaging_database: Database) -> Database:
    """A database with the shared messaging tables (outbox, processed messages), emptied for each test."""
    with _messaging_database.transaction() as session:
        session.execute(text("TRUNCATE outbox_messages, processed_messages"))
    return _messaging_database


@pytest.fixture(scope="session")
def span_exporter() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    setup_tracing("peerbridge-tests", exporter=exporter)
    return exporter


@pytest.fixture(scope="session")
def run_server() -> Iterator[Callable[..., str]]:
    """``run_server(app)`` serves an ASGI app on a free loopback port (uvicorn, in a thread) until the
    test session ends, and returns its base URL."""
    with ExitStack() as servers:
        yield lambda app, **options: servers.enter_context(serve_in_thread(app, **options))
