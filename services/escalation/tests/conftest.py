"""Escalation tests run against a migrated PostgreSQL database and real Kafka."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from peerbridge_shared.db import Database
from peerbridge_shared.events import Event, new_envelope
from peerbridge_shared.topics import topic_for

SERVICE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def escalation_url(migrated_database) -> str:
    return migrated_database("escalation", SERVICE_DIR / "alembic.ini")


@pytest.fixture(scope="session")
def escalation_db(escalation_url) -> Iterator[Database]:
    database = Database(escalation_url)
    yield database
    database.dispose()


@pytest.fixture
def tenant() -> str:
    return f"org-{uuid.uuid4().hex[:8]}"


def envelope(data: Event, tenant: str):
    return new_envelope(data, tenant=tenant, source="/peerbridge/scheduling", subject=topic_for(data).key_of(data))
