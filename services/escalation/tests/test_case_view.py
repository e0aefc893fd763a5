"""The case view carries the participant's safety plan, fetched from a real scheduling service over
HTTP; contact made and reassignment are recorded, and a reassigned clinician is paged."""

import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from peerbridge_escalation.app import create_app
from peerbridge_escalation.settings import EscalationSettings
from peerbridge_scheduling.app import create_app as create_scheduling
from peerbridge_scheduling.settings import SchedulingSettings
from peerbridge_shared.deps import get_clock
from peerbridge_shared.identity import Identity, Role, issue_internal_token
from peerbridge_shared.settings import DEV_SECRET

from .test_cases_api import headers
from .test_intake import NOW
from .test_ladder import open_high_case, pages, staff_program

SCHEDULING_DIR = Path(__file__).resolve().parents[2] / "scheduling"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def scheduling_server(migrated_database):
    url = migrated_database("scheduling_for_escalation", SCHEDULING_DIR / "alembic.ini")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_scheduling(SchedulingSettings(database_url=url)), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


class SchedulingAdmin:
    """A program admin of ``tenant`` calling the real scheduling service."""

    def __init__(self, base_url: str, tenant: str) -> None:
        token = issue_internal_token(Identity(tenant, "admin", frozenset({Role.PROGRAM_ADMIN})), DEV_SECRET)
        self.client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})

    def post(self, path, body):
        response = self.client.post(path, json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def program_with_plan(self, person: str, warning_sign: str, part2: bool = False) -> str:
        program = self.post("/programs", {"name": "p", "time_zone": "America/New_York",
                                          "substance_use_program": part2})
        site = self.post(f"/programs/{program['id']}/sites", {"name": "s"})
        self.post(f"/participants/{person}/consents", {"program_id": program["id"], "kind": "program",
                                                       "granted": True, "effective_at": "2026-01-01T00:00:00Z"})
        self.post("/enrollments", {"participant_id": person, "program_id": program["id"], "site_id": site["id"],
                                   "enrolled_on": "2026-01-01"})
        self.post(f"/participants/{person}/safety-plans", {"program_id": program["id"],
                                                           "warning_signs": [warning_sign],
                                                           "making_environment_safe": ["pharmacy holds refills"]})
        return program["id"]

    def participant(self) -> str:
        return self.post("/participants", {"given_name": "Jo", "family_name": "Q", "birth_date": "1980-02-02"})["id"]


def scheduling_participant_with_plan(base_url: str, tenant: str) -> tuple[str, str]:
    admin = SchedulingAdmin(base_url, tenant)
    person = admin.participant()
    return person, admin.program_with_plan(person, "stops answering texts")


@pytest.fixture
def client(escalation_url, scheduling_server):
    app = create_app(EscalationSettings(database_url=escalation_url, scheduling_url=scheduling_server))
    app.dependency_overrides[get_clock] = lambda: (lambda: NOW + timedelta(minutes=2))
    with TestClient(app) as test_client:
        yield test_client
    app.state.database.dispose()


def test_the_case_view_carries_the_safety_plan_from_scheduling(client, escalation_db, scheduling_server, tenant):
    participant, program = scheduling_participant_with_plan(scheduling_server, tenant)
    case_id = open_high_case(escalation_db, tenant, participant, program)
    view = client.get(f"/cases/{case_id}", headers=headers(tenant, programs=[program])).json()
    assert view["safety_plan"]["steps"]["warning_signs"] == ["stops answering texts"]
    assert view["safety_plan"]["crisis_line"].startswith("988") and view["safety_plan_error"] is None


def test_without_a_plan_or_without_scheduling_the_view_says_why(client, escalation_db, escalation_url, tenant):
    case_id = open_high_case(escalation_db, tenant, "p-no-plan")
    assert client.get(f"/cases/{case_id}", headers=headers(tenant)).json()["safety_plan_error"] == \
        "no safety plan on record"
    app = create_app(EscalationSettings(database_url=escalation_url, scheduling_url="http://127.0.0.1:9"))
    with TestClient(app) as offline:
        view = offline.get(f"/cases/{case_id}", headers=headers(tenant)).json()
    assert view["safety_plan"] is None and "988" in view["safety_plan_error"]
    app.state.database.dispose()


def test_contact_made_and_reassignment_are_recorded_and_the_new_clinician_is_paged(client, escalation_db, tenant):
    participant, _ = staff_program(escalation_db, tenant)
    case_id = open_high_case(escalation_db, tenant, participant)
    client.post(f"/cases/{case_id}/acknowledge", headers=headers(tenant, "own-1"))
    made = client.post(f"/cases/{case_id}/contact-made", json={"method": "phone"}, headers=headers(tenant, "own-1"))
    assert made.json()["contact_made_at"] is not None
    moved = client.post(f"/cases/{case_id}/reassign", json={"clinician_id": "sup-1", "reason": "going off shift"},
                        headers=headers(tenant, "own-1")).json()
    assert (moved["assigned_to"], moved["status"]) == ("sup-1", "open")
    assert pages(escalation_db, tenant)[-1] == (0, "sup-1")
    bad = client.post(f"/cases/{case_id}/contact-made", json={"method": "pigeon"}, headers=headers(tenant))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.method"


def test_the_timeline_is_the_cases_audit_trail_in_order_and_only_where_the_case_is_visible(
        client, escalation_db, tenant):
    participant, _ = staff_program(escalation_db, tenant)
    case_id = open_high_case(escalation_db, tenant, participant)
    own = headers(tenant, "own-1")
    client.get(f"/cases/{case_id}", headers=own)  # a view: audited, not a step of the case
    client.post(f"/cases/{case_id}/acknowledge", headers=own)
    client.post(f"/cases/{case_id}/contact-made", json={"method": "phone"}, headers=own)
    client.post(f"/cases/{case_id}/resolve", json={"disposition_code": "safety-plan-reviewed", "note": "ok"},
                headers=own)
    steps = client.get(f"/cases/{case_id}/timeline", headers=own).json()
    assert [s["action"] for s in steps] == ["signal.opened", "level.paged", "case.acknowledged", "case.contact_made",
                                            "case.resolved"]
    assert steps[1]["actor"] == "system:escalation" and steps[1]["detail"]["recipients"]
    assert steps[2]["actor"] == "own-1" and steps[4]["detail"] == {"disposition_code": "safety-plan-reviewed"}
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    assert [s["action"] for s in client.get(f"/cases/{case_id}/timeline", params={"limit": 2, "offset": 1},
                                            headers=own).json()] == ["level.paged", "case.acknowledged"]
    other_program = client.get(f"/cases/{case_id}/timeline", headers=headers(tenant, "own-1", programs=["prog-2"]))
    other_tenant = client.get(f"/cases/{case_id}/timeline", headers=headers("org-elsewhere", "own-1"))
    assert other_program.status_code == other_tenant.status_code == 404


def test_a_case_carries_its_own_programs_plan_and_a_part2_signal_opens_a_case_of_its_own(
        client, escalation_db, scheduling_server, tenant):
    admin = SchedulingAdmin(scheduling_server, tenant)
    person = admin.participant()
    general = admin.program_with_plan(person, "stops answering texts")
    part2 = admin.program_with_plan(person, "misses the methadone dose", part2=True)
    admin.post(f"/participants/{person}/consents", {
        "program_id": part2, "kind": "part2_disclosure", "granted": True, "effective_at": "2026-01-01T00:00:00Z",
        "recipient_program_ids": [general]})
    general_case = open_high_case(escalation_db, tenant, person, general)
    part2_case = open_high_case(escalation_db, tenant, person, part2)
    assert general_case != part2_case, "a Part 2 signal never joins another program's case"

    general_clinician = headers(tenant, programs=[general])
    view = client.get(f"/cases/{general_case}", headers=general_clinician).json()
    assert view["safety_plan"]["program_id"] == general
    assert view["safety_plan"]["steps"]["warning_signs"] == ["stops answering texts"], "never the Part 2 plan"
    assert "methadone" not in str(view)
    assert client.get(f"/cases/{part2_case}", headers=general_clinician).status_code == 404
    assert [c["id"] for c in client.get("/cases", headers=general_clinician).json()] == [general_case]
    inside = client.get(f"/cases/{part2_case}", headers=headers(tenant, programs=[part2])).json()
    assert inside["safety_plan"]["steps"]["warning_signs"] == ["misses the methadone dose"]
