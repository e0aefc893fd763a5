"""Scheduling tests run the real app against a migrated PostgreSQL database and real Kafka."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from peerbridge_scheduling.app import create_app
from peerbridge_scheduling.deps import get_clock
from peerbridge_scheduling.settings import SchedulingSettings
from peerbridge_shared.db import Database
from peerbridge_shared.events import Envelope, decode
from peerbridge_shared.identity import Identity, Role, issue_internal_token
from peerbridge_shared.outbox import OutboxRelay
from peerbridge_shared.settings import DEV_SECRET
from peerbridge_shared.testing.kafka_reader import KafkaReader
from peerbridge_shared.topics import TOPICS

SERVICE_DIR = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="session")
def scheduling_url(migrated_database) -> str:
    return migrated_database("scheduling", SERVICE_DIR / "alembic.ini")


@pytest.fixture(scope="session")
def scheduling_db(scheduling_url) -> Iterator[Database]:
    database = Database(scheduling_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def app(scheduling_url, clock):
    application = create_app(SchedulingSettings(database_url=scheduling_url))
    application.dependency_overrides[get_clock] = lambda: clock
    yield application
    application.state.database.dispose()


class Api:
    """A client acting for one caller: ``api.post(path, json, expect=201)`` returns the JSON body."""

    def __init__(self, client: TestClient, identity: Identity) -> None:
        self.client, self.identity = client, identity
        self.headers = {"Authorization": f"Bearer {issue_internal_token(identity, DEV_SECRET)}"}

    def request(self, method: str, path: str, expect: int, **kwargs):
        response = self.client.request(method, path, headers=self.headers, **kwargs)
        assert response.status_code == expect, response.text
        return response.json()

    def get(self, path: str, expect: int = 200, **kwargs):
        return self.request("GET", path, expect, **kwargs)

    def post(self, path: str, json: dict, expect: int = 201):
        return self.request("POST", path, expect, json=json)

    def put(self, path: str, json: dict, expect: int = 200):
        return self.request("PUT", path, expect, json=json)

    def as_org(self, organization_id: str) -> Api:
        return Api(self.client, Identity(organization_id, "user-other", self.identity.roles))

    def as_user(self, user_id: str, *roles: Role, programs: list[str] | None = None) -> Api:
        """The same organization, another caller (``programs``: the programs their token names)."""
        return Api(self.client, Identity(self.identity.organization_id, user_id, frozenset(roles),
                                         frozenset(programs) if programs is not None else None))

    def on_behalf(self, user_id: str) -> Api:
        """This program admin, recording for ``user_id`` (X-On-Behalf-Of at the gateway)."""
        return Api(self.client, Identity(self.identity.organization_id, self.identity.user_id, self.identity.roles,
                                         self.identity.programs, on_behalf_of=user_id))


@pytest.fixture
def api(app) -> Iterator[Api]:
    identity = Identity(f"org-{uuid.uuid4().hex[:8]}", "admin-1", frozenset({Role.PROGRAM_ADMIN}))
    with TestClient(app) as client:
        yield Api(client, identity)


@pytest.fixture
def published(scheduling_db, producer, kafka_settings):
    """Call it to publish the outbox and get this test's tenant's events from Kafka, in order."""
    reader = KafkaReader(kafka_settings, [topic.name for topic in TOPICS])
    relay = OutboxRelay(scheduling_db, producer)

    def collect(tenant: str) -> list[Envelope]:
        """Publishes the outbox, then returns every event of ``tenant`` written since the test began."""
        while relay.publish_batch():
            pass
        events = [decode(r.key, r.value, r.headers) for r in reader.read_to_end()]
        return [event for event in events if event.tenant == tenant]

    yield collect
    reader.close()


def types_of(events: list[Envelope]) -> list[str]:
    return [event.type.split(".")[-2] + "." + event.type.split(".")[-1] for event in events]


class World:
    """A program with a site, a supervisor, a clinician, peers and enrolled participants."""

    def __init__(self, api: Api, **program: object) -> None:
        self.api = api
        self.program = api.post("/programs", {"name": "Bridges", "time_zone": "America/New_York",
                                              "payer_ids": ["medicaid-nc"], "group_capacity": 12, **program})
        self.site = api.post(f"/programs/{self.program['id']}/sites", {"name": "Main street", "place_of_service": "53"})
        self.supervisor = api.post("/supervisors", {"display_name": "Sam Supervisor", "credential": "LCSW"})
        self.clinician = api.post("/clinicians", {"display_name": "Dr Lee", "license_type": "MD",
                                                  "license_number": "A123", "jurisdiction": "NC"})

    def peer(self, **overrides) -> dict:
        body = {"program_id": self.program["id"], "display_name": f"Peer {uuid.uuid4().hex[:4]}",
                "credential_type": "NC CPSS", "credential_number": uuid.uuid4().hex[:8],
                "credential_expires_on": "2027-12-31", "certified_on": "2024-01-15", "languages": ["en"],
                "supervisor_id": self.supervisor["id"], **overrides}
        return self.api.post("/peers", body)

    def participant(self, *, enroll: bool = True, **overrides) -> dict:
        body = {"given_name": "Alex", "family_name": f"Rivera-{uuid.uuid4().hex[:6]}", "birth_date": "1988-07-14",
                "member_id": f"MBR{uuid.uuid4().hex[:8]}", "phone": "+1 919 555 0199",
                "email": f"alex.{uuid.uuid4().hex[:6]}@example.org", "preferred_language": "en", **overrides}
        participant = self.api.post("/participants", body)
        if enroll:
            self.consent(participant["id"])
            participant["enrollment"] = self.enroll(participant["id"])
        return participant

    def consent(self, participant_id: str, kind: str = "program", granted: bool = True) -> dict:
        return self.api.post(f"/participants/{participant_id}/consents", {
            "program_id": self.program["id"], "kind": kind, "granted": granted,
            "effective_at": "2026-03-01T10:00:00-05:00"})

    def enroll(self, participant_id: str, **overrides) -> dict:
        return self.api.post("/enrollments", {
            "participant_id": participant_id, "program_id": self.program["id"], "site_id": self.site["id"],
            "enrolled_on": "2026-03-01", "payer_id": "medicaid-nc", "authorized_units": 24,
            "clinician_id": self.clinician["id"], **overrides})

    def session_body(self, peers: list[dict], participants: list[dict], starts_at: datetime,
                     minutes: int = 60, kind: str = "group") -> dict:
        return {"program_id": self.program["id"], "site_id": self.site["id"], "kind": kind, "modality": "in_person",
                "peer_ids": [p["id"] for p in peers], "participant_ids": [p["id"] for p in participants],
                "starts_at": starts_at.isoformat(), "ends_at": (starts_at + timedelta(minutes=minutes)).isoformat()}


@pytest.fixture
def world(api) -> World:
    return World(api)


def on(day: str) -> date:
    return date.fromisoformat(day)
