"""One organization's data, made through the gateway as a program admin: two programs, each with
a peer, an enrolled participant assigned to that peer, a session and an open escalation case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from peerbridge_escalation.cases.intake import handle
from peerbridge_escalation.cases.models import Case
from peerbridge_shared.db import Database
from peerbridge_shared.events import new_envelope
from peerbridge_shared.events.safety import RiskScreenCompleted, ScreenInstrument

NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


@dataclass
class Program:
    id: str
    site_id: str
    peer_id: str
    participant_id: str
    enrollment_id: str
    session_id: str
    contact_id: str = ""
    case_id: str = ""


@dataclass
class World:
    organization: str
    supervisor_id: str
    clinician_id: str
    programs: list[Program] = field(default_factory=list)

    @property
    def mine(self) -> Program:
        """The program the narrow-scoped test users work in."""
        return self.programs[0]

    @property
    def other(self) -> Program:
        return self.programs[1]


class Builder:
    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def post(self, path: str, body: dict, expect: int = 201) -> dict:
        response = self.client.post(f"/v1{path}", json=body, headers=self.headers)
        assert response.status_code == expect, (path, response.text)
        return response.json()

    def put(self, path: str, body: dict) -> dict:
        response = self.client.put(f"/v1{path}", json=body, headers=self.headers)
        assert response.status_code == 200, (path, response.text)
        return response.json()


def build_world(client: TestClient, headers: dict[str, str], organization: str, escalation_db: Database) -> World:
    api = Builder(client, headers)
    supervisor = api.post("/supervisors", {"display_name": "Sam", "credential": "LCSW"})
    clinician = api.post("/clinicians", {"display_name": "Dr Lee", "license_type": "MD", "license_number": "A1",
                                         "jurisdiction": "NC"})
    world = World(organization, supervisor["id"], clinician["id"])
    for name in ("Bridges", "Harbor"):
        program = api.post("/programs", {"name": name, "time_zone": "America/New_York"})
        site = api.post(f"/programs/{program['id']}/sites", {"name": "Main street"})
        peer = api.post("/peers", {"program_id": program["id"], "display_name": f"Peer of {name}",
                                   "credential_type": "NC CPSS", "credential_number": uuid.uuid4().hex[:8],
                                   "credential_expires_on": "2030-12-31", "certified_on": "2024-01-15",
                                   "languages": ["en"], "supervisor_id": supervisor["id"]})
        person = api.post("/participants", {"given_name": "Alex", "family_name": f"Rivera {name}",
                                            "birth_date": "1988-07-14"})
        api.post(f"/participants/{person['id']}/consents", {"program_id": program["id"], "kind": "program",
                                                            "granted": True, "effective_at": "2026-01-01T00:00:00Z"})
        enrollment = api.post("/enrollments", {"participant_id": person["id"], "program_id": program["id"],
                                               "site_id": site["id"], "enrolled_on": "2026-01-02",
                                               "clinician_id": clinician["id"]})
        api.put(f"/enrollments/{enrollment['id']}/peer", {"peer_id": peer["id"]})
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
        session = api.post("/sessions", {"program_id": program["id"], "site_id": site["id"], "kind": "one_to_one",
                                         "modality": "in_person", "peer_ids": [peer["id"]],
                                         "participant_ids": [person["id"]], "starts_at": starts.isoformat(),
                                         "ends_at": (starts + timedelta(hours=1)).isoformat()})
        api.post(f"/participants/{person['id']}/safety-plans", {"program_id": program["id"],
                                                                "warning_signs": ["stops answering texts"]})
        met = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
        as_peer = Builder(api.client, {**api.headers, "X-On-Behalf-Of": peer["id"]})
        contact = as_peer.post(f"/participants/{person['id']}/contacts", {
            "program_id": program["id"], "peer_id": peer["id"], "modality": "phone", "place_of_service": "02",
            "started_at": met.isoformat(), "ended_at": (met + timedelta(minutes=40)).isoformat(),
            "face_to_face_minutes": 38, "note": "Talked through the housing application."})
        entry = Program(program["id"], site["id"], peer["id"], person["id"], enrollment["id"], session["id"],
                        contact["id"])
        entry.case_id = open_case(escalation_db, organization, entry.participant_id, entry.id, entry.peer_id)
        world.programs.append(entry)
    return world


def open_case(escalation_db: Database, organization: str, participant_id: str, program_id: str,
              screened_by: str) -> str:
    """A high-risk case, opened as the escalation worker would from a PHQ-9 item 9 signal."""
    screen = RiskScreenCompleted(participant_id=participant_id, screen_id=str(uuid.uuid4()),
                                 program_id=program_id, instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=2,
                                 completed_at=NOW, screened_by=screened_by, positive=True,
                                 rule_version="phq9@1:item9>0")
    envelope = new_envelope(screen, tenant=organization, source="/peerbridge/scheduling", subject=participant_id)
    with escalation_db.transaction() as session:
        handle(session, envelope, NOW)
    with escalation_db.transaction() as session:
        return session.scalars(select(Case.id).where(Case.organization_id == organization,
                                                     Case.participant_id == participant_id,
                                                     Case.program_id == program_id)).one()
