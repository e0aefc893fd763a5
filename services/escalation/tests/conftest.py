"""Escalation tests run against a migrated PostgreSQL database and real Kafka."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

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


def verified(contact) -> None:
    """For fixtures: the method counts as verified (the verification flow has its own tests)."""
    from peerbridge_escalation.rosters.verification import mark_verified
    from peerbridge_shared.events import utc_now

    mark_verified(contact, utc_now())


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()
