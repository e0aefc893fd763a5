"""The case lifecycle API: list, view (audited), acknowledge, resolve; tenant isolation."""

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from peerbridge_escalation.app import create_app
from peerbridge_escalation.audit.models import AuditEntry
from peerbridge_escalation.cases.intake import handle
from peerbridge_escalation.settings import EscalationSettings
from peerbridge_shared.deps import get_clock
from peerbridge_shared.identity import Identity, Role, issue_internal_token
from peerbridge_shared.settings import DEV_SECRET

from .conftest import envelope
from .test_intake import NOW, phq9, published


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock(NOW + timedelta(minutes=4))


@pytest.fixture
def client(escalation_url, clock):
    app = create_app(EscalationSettings(database_url=escalation_url))
    app.dependency_overrides[get_clock] = lambda: clock
    with TestClient(app) as test_client:
        yield test_client
    app.state.database.dispose()


def headers(tenant, user="clin-1", programs=("prog-1",), role=Role.CLINICIAN):
    token = issue_internal_token(Identity(tenant, user, frozenset({role}), programs=frozenset(programs)), DEV_SECRET)
    return {"Authorization": f"Bearer {token}"}


def open_case(db, tenant):
    participant = f"p-{uuid.uuid4().hex[:6]}"
    with db.transaction() as session:
        handle(session, envelope(phq9(participant, 2), tenant), NOW)
    return participant


def test_a_clinician_views_acknowledges_and_resolves_a_case_and_each_step_is_audited(client, escalation_db, tenant,
                                                                                     clock):
    participant = open_case(escalation_db, tenant)
    [case] = client.get("/cases", params={"status": "open"}, headers=headers(tenant)).json()
    assert case["participant_id"] == participant and case["signals"][0]["rule"] == "phq9.item9_ge_2"
    assert client.get(f"/cases/{case['id']}", headers=headers(tenant)).status_code == 200

    acked = client.post(f"/cases/{case['id']}/acknowledge", headers=headers(tenant)).json()
    assert (acked["status"], acked["acknowledged_by"]) == ("acknowledged", "clin-1")
    assert client.post(f"/cases/{case['id']}/acknowledge", headers=headers(tenant)).status_code == 409
    missing = client.post(f"/cases/{case['id']}/resolve", json={"disposition_code": "x"}, headers=headers(tenant))
    assert missing.status_code == 422 and {e["field"] for e in missing.json()["errors"]} == {"body.disposition_code",
                                                                                            "body.note"}
    clock.now += timedelta(hours=2)
    resolved = client.post(f"/cases/{case['id']}/resolve", json={
        "disposition_code": "safety-plan-reviewed", "note": "Reached by phone; plan reviewed with sister present"},
        headers=headers(tenant)).json()
    assert (resolved["status"], resolved["disposition_code"]) == ("resolved", "safety-plan-reviewed")

    events = [e for e in published(escalation_db, tenant) if e.type.endswith(("opened.v1", "acknowledged.v1",
                                                                              "resolved.v1"))]
    assert [e.type.rsplit(".", 2)[-2] for e in events] == ["opened", "acknowledged", "resolved"]
    ack = events[1].data
    assert (ack.seconds_to_acknowledge, ack.within_deadline) == (240.0, True)
    check = client.get("/audit/verify", headers=headers(tenant)).json()
    assert check["valid"] and check["first_broken_id"] is None
    with escalation_db.transaction() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.case_id == case["id"])
                                  .order_by(AuditEntry.id)).all()
    assert [a for a in actions if a.startswith("case.")] == ["case.viewed", "case.acknowledged", "case.resolved"]
    assert actions[0] == "signal.opened" and check["entries"] == len(actions)


def test_a_late_acknowledgement_is_reported_outside_the_deadline(client, escalation_db, tenant, clock):
    open_case(escalation_db, tenant)
    [case] = client.get("/cases", headers=headers(tenant)).json()
    clock.now = NOW + timedelta(minutes=20)
    client.post(f"/cases/{case['id']}/acknowledge", headers=headers(tenant))
    [ack] = [e.data for e in published(escalation_db, tenant) if e.type.endswith("acknowledged.v1")]
    assert ack.within_deadline is False


def test_other_organizations_see_nothing(client, escalation_db, tenant):
    open_case(escalation_db, tenant)
    [case] = client.get("/cases", headers=headers(tenant)).json()
    other = headers("org-elsewhere")
    assert client.get("/cases", headers=other).json() == []
    assert client.get(f"/cases/{case['id']}", headers=other).status_code == 404
    assert client.post(f"/cases/{case['id']}/acknowledge", headers=other).status_code == 404
    assert client.get("/cases", headers={}).status_code == 401



def test_an_identity_limited_to_programs_sees_only_their_cases(client, escalation_db, tenant):
    open_case(escalation_db, tenant)  # program prog-1
    [case] = client.get("/cases", headers=headers(tenant)).json()

    def limited(programs):
        identity = Identity(tenant, "clin-2", frozenset({Role.CLINICIAN}), programs=frozenset(programs))
        return {"Authorization": f"Bearer {issue_internal_token(identity, DEV_SECRET)}"}

    assert [c["id"] for c in client.get("/cases", headers=limited({"prog-1"})).json()] == [case["id"]]
    assert client.get("/cases", headers=limited({"prog-2"})).json() == []
    assert client.get(f"/cases/{case['id']}", headers=limited({"prog-2"})).status_code == 404
    assert client.post(f"/cases/{case['id']}/acknowledge", headers=limited(set())).status_code == 404
