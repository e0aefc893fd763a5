"""One organization built to test program scope and 42 CFR Part 2 through the gateway.

Programs: Bridges (where the narrow-scoped test users work), Harbor (another program of the same
organization) and Recovery (a 42 CFR Part 2 substance-use program). Participants:
- Xavi: in Bridges and Recovery; his Part 2 consent discloses Recovery's records to Bridges.
- Yara: in Bridges and Recovery; no disclosure consent.
- Zoe: in Harbor only.
Each enrollment has its own peer, session, contact note, goal, questionnaire response, safety
concern, safety plan and open escalation case, so every record set can be looked for by its ids.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from peerbridge_shared.db import Database

from .world import Builder, open_case

MET = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@dataclass
class RecordSet:
    """One participant's records in one program."""

    name: str
    participant_id: str
    program_id: str
    peer_id: str
    site_id: str = ""
    enrollment_id: str = ""
    session_id: str = ""
    contact_id: str = ""
    goal_id: str = ""
    response_id: str = ""
    concern_id: str = ""
    plan_id: str = ""
    case_id: str = ""

    @property
    def ids(self) -> list[str]:
        return [self.enrollment_id, self.session_id, self.contact_id, self.goal_id, self.response_id,
                self.concern_id, self.plan_id, self.case_id]


@dataclass
class ScopeWorld:
    organization: str
    supervisor_id: str
    clinician_id: str
    programs: dict[str, str] = field(default_factory=dict)
    peers: dict[str, str] = field(default_factory=dict)
    sets: dict[str, RecordSet] = field(default_factory=dict)
    """own (Xavi in Bridges), other_program (Zoe in Harbor), part2_consented (Xavi in Recovery),
    part2_unconsented (Yara in Recovery)."""


def build_scope_world(client: TestClient, admin: dict[str, str], organization: str,
                      escalation_db: Database) -> ScopeWorld:
    api = Builder(client, admin)
    supervisor = api.post("/supervisors", {"display_name": "Sam", "credential": "LCSW"})
    other_supervisor = api.post("/supervisors", {"display_name": "Ola", "credential": "LCSW"})
    clinician = api.post("/clinicians", {"display_name": "Dr Lee", "license_type": "MD", "license_number": "A1",
                                         "jurisdiction": "NC"})
    world = ScopeWorld(organization, supervisor["id"], clinician["id"])
    for name, part2 in (("Bridges", False), ("Harbor", False), ("Recovery", True)):
        program = api.post("/programs", {"name": name, "time_zone": "America/New_York",
                                         "substance_use_program": part2})
        world.programs[name] = program["id"]
        world.peers[name] = api.post("/peers", {
            "program_id": program["id"], "display_name": f"Peer of {name}", "credential_type": "NC CPSS",
            "credential_number": uuid.uuid4().hex[:8], "credential_expires_on": "2030-12-31",
            "certified_on": "2024-01-15", "languages": ["en"],
            "supervisor_id": supervisor["id"] if name == "Bridges" else other_supervisor["id"]})["id"]
    people = {name: api.post("/participants", {"given_name": name, "family_name": "Rivera",
                                               "birth_date": "1988-07-14"})["id"] for name in ("Xavi", "Yara", "Zoe")}
    plan = {"own": ("Xavi", "Bridges"), "xavi_p2": ("Xavi", "Recovery"), "yara_p1": ("Yara", "Bridges"),
            "part2_unconsented": ("Yara", "Recovery"), "other_program": ("Zoe", "Harbor")}
    for index, (key, (person, program)) in enumerate(plan.items()):
        record = RecordSet(key, people[person], world.programs[program], world.peers[program])
        _fill(api, client, admin, record, hours_ahead=72 + 2 * index)
        record.case_id = open_case(escalation_db, organization, record.participant_id, record.program_id,
                                   record.peer_id)
        world.sets[key] = record
    world.sets["part2_consented"] = world.sets.pop("xavi_p2")
    world.sets.pop("yara_p1")
    api.post(f"/participants/{people['Xavi']}/consents", {
        "program_id": world.programs["Recovery"], "kind": "part2_disclosure", "granted": True,
        "effective_at": "2026-01-01T00:00:00Z", "recipient_program_ids": [world.programs["Bridges"]]})
    return world


def _fill(api: Builder, client: TestClient, admin: dict[str, str], record: RecordSet, hours_ahead: int) -> None:
    program, person = record.program_id, record.participant_id
    for_peer = Builder(client, {**admin, "X-On-Behalf-Of": record.peer_id})
    sites = client.get(f"/v1/programs/{program}/sites", headers=admin).json()
    record.site_id = sites[0]["id"] if sites else api.post(f"/programs/{program}/sites", {"name": "Main"})["id"]
    api.post(f"/participants/{person}/consents", {"program_id": program, "kind": "program", "granted": True,
                                                  "effective_at": "2026-01-01T00:00:00Z"})
    record.enrollment_id = api.post("/enrollments", {"participant_id": person, "program_id": program,
                                                     "site_id": record.site_id, "enrolled_on": "2026-01-02"})["id"]
    api.put(f"/enrollments/{record.enrollment_id}/peer", {"peer_id": record.peer_id})
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours_ahead)
    record.session_id = api.post("/sessions", {
        "program_id": program, "site_id": record.site_id, "kind": "one_to_one", "modality": "in_person",
        "peer_ids": [record.peer_id], "participant_ids": [person], "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat()})["id"]
    record.contact_id = for_peer.post(f"/participants/{person}/contacts", contact_body(program))["id"]
    record.goal_id = api.post(f"/participants/{person}/goals", goal_body(program))["id"]
    record.response_id = api.post(f"/participants/{person}/questionnaire-responses", response_body(program))["id"]
    record.concern_id = api.post(f"/participants/{person}/safety-concerns", concern_body(program))["id"]
    record.plan_id = api.post(f"/participants/{person}/safety-plans", plan_body(program))["id"]


def contact_body(program: str) -> dict:
    return {"program_id": program, "modality": "phone", "place_of_service": "02", "started_at": MET.isoformat(),
            "ended_at": (MET + timedelta(minutes=40)).isoformat(), "face_to_face_minutes": 38,
            "note": "Talked through the housing application."}


def goal_body(program: str) -> dict:
    return {"program_id": program, "description": "Find work", "domain": "employment"}


def response_body(program: str) -> dict:
    return {"program_id": program, "instrument": "gad7", "completed_at": MET.isoformat(),
            "answers": {str(item): 1 for item in range(1, 8)}}


def concern_body(program: str) -> dict:
    return {"program_id": program, "category": "self_harm", "peer_with_person": False, "note": "worried",
            "raised_at": MET.isoformat()}


def plan_body(program: str) -> dict:
    return {"program_id": program, "warning_signs": ["stops answering texts"]}
