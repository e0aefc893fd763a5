"""On-call rosters: rotations that hand off at local time across DST, layers, overrides, and
publishing refused when anyone is unreachable or nobody is on call."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from peerbridge_escalation.app import create_app
from peerbridge_escalation.rosters.schedule import RosterDefinition
from peerbridge_escalation.settings import EscalationSettings

from .test_cases_api import headers
from .test_contact_verification import verify_by_email

WEEKLY = {"name": "primary", "members": ["ana", "ben"], "starts_on": "2026-02-23", "handoff": "08:00",
          "shift_days": 7}


def roster(**changes) -> RosterDefinition:
    body = {"time_zone": "America/New_York", "effective_from": "2026-03-02", "effective_until": "2026-03-22",
            "layers": [WEEKLY], **changes}
    return RosterDefinition.model_validate(body)


def test_weekly_handoffs_happen_at_8_am_local_time_on_both_sides_of_dst():
    week = roster()
    assert week.on_call(datetime(2026, 3, 2, 12, 59, tzinfo=UTC)) == "ana"  # 7:59 EST
    assert week.on_call(datetime(2026, 3, 2, 13, 0, tzinfo=UTC)) == "ben"  # 8:00 EST: handoff
    assert week.on_call(datetime(2026, 3, 9, 11, 59, tzinfo=UTC)) == "ben"  # 7:59 EDT (DST began on 8 March)
    assert week.on_call(datetime(2026, 3, 9, 12, 0, tzinfo=UTC)) == "ana"  # 8:00 EDT: handoff, still 8 am local
    assert week.on_call(datetime(2026, 3, 16, 12, 0, tzinfo=UTC)) == "ben"


def test_an_override_beats_layers_and_a_later_layer_beats_an_earlier_one():
    nights = {"name": "nights", "members": ["cy"], "starts_on": "2026-03-02", "window": {"start": "20:00",
                                                                                         "end": "08:00"}}
    cover = roster(layers=[WEEKLY, nights], overrides=[{"clinician_id": "dee", "starts_at": "2026-03-04T10:00:00-05:00",
                                                        "ends_at": "2026-03-04T12:00:00-05:00"}])
    assert cover.on_call(datetime(2026, 3, 4, 2, 0, tzinfo=UTC)) == "cy"  # 9 pm local
    assert cover.on_call(datetime(2026, 3, 4, 16, 0, tzinfo=UTC)) == "dee"  # 11 am local, overridden
    assert cover.on_call(datetime(2026, 3, 4, 18, 0, tzinfo=UTC)) == "ben"


def test_gaps_are_found_to_the_minute():
    day_only = roster(layers=[{**WEEKLY, "window": {"start": "08:00", "end": "20:00"}}],
                      effective_until="2026-03-02")
    assert [(a.isoformat(), b.isoformat()) for a, b in day_only.gaps()] == [
        ("2026-03-02T00:00:00-05:00", "2026-03-02T08:00:00-05:00"),
        ("2026-03-02T20:00:00-05:00", "2026-03-03T00:00:00-05:00")]
    assert roster().gaps() == []


@pytest.fixture
def client(escalation_url, smtp):
    app = create_app(EscalationSettings(database_url=escalation_url, smtp_port=smtp[1]))
    with TestClient(app) as test_client:
        yield test_client
    app.state.database.dispose()


def test_publishing_is_refused_naming_the_gap_or_the_unreachable_clinician(client, smtp, tenant):
    admin = headers(tenant, "admin-1")
    body = {"program_id": "prog-1", "time_zone": "America/New_York", "effective_from": "2026-03-02",
            "effective_until": "2026-03-08", "layers": [WEEKLY]}
    unreachable = client.post("/rosters", json=body, headers=admin)
    assert unreachable.status_code == 422 and unreachable.json()["clinicians"] == ["ana", "ben"]
    verify_by_email(client, smtp[0], tenant, "ana", "ana@example.org")
    client.put("/clinicians/ben/contacts", json=[{"channel": "sms", "address": "+19195550100"}], headers=admin)
    assert client.post("/rosters", json=body, headers=admin).json()["clinicians"] == ["ben"], "not verified"
    verify_by_email(client, smtp[0], tenant, "ben", "ben@example.org")
    gappy = client.post("/rosters", json={**body, "layers": [{**WEEKLY, "weekdays": [0, 1, 2, 3, 4]}]},
                        headers=admin).json()
    assert gappy["errors"][0]["rule"] == "full_coverage"
    assert gappy["gaps"][0] == {"from": "2026-03-07T00:00:00-05:00", "until": "2026-03-09T00:00:00-04:00"}
    published = client.post("/rosters", json=body, headers=admin)
    assert published.status_code == 201 and published.json()["version"] == 1
    who = client.get("/programs/prog-1/on-call", params={"at": "2026-03-03T12:00:00Z"}, headers=admin).json()
    assert (who["clinician_id"], who["roster_version"]) == ("ben", 1)
    assert client.get("/programs/prog-1/on-call", params={"at": "2026-04-03T12:00:00Z"},
                      headers=admin).json()["clinician_id"] is None


def test_published_rosters_are_listed_newest_first_per_program_and_tenant(client, smtp, tenant):
    admin = headers(tenant, "admin-1")
    for name in ("ana", "ben"):
        verify_by_email(client, smtp[0], tenant, name, f"{name}@example.org")
    body = {"program_id": "prog-1", "time_zone": "America/New_York", "effective_from": "2026-03-02",
            "effective_until": "2026-03-08", "layers": [WEEKLY]}
    client.post("/rosters", json=body, headers=admin)
    client.post("/rosters", json={**body, "layers": [{**WEEKLY, "members": ["ben", "ana"]}]}, headers=admin)
    listed = client.get("/programs/prog-1/rosters", headers=admin).json()
    assert [(r["version"], r["definition"]["layers"][0]["members"]) for r in listed] == [
        (2, ["ben", "ana"]), (1, ["ana", "ben"])]
    assert listed[0]["published_by"] == "admin-1"
    assert [r["version"] for r in client.get("/programs/prog-1/rosters", params={"limit": 1, "offset": 1},
                                             headers=admin).json()] == [1]
    assert client.get("/programs/prog-2/rosters", headers=admin).json() == []
    assert client.get("/programs/prog-1/rosters", headers=headers(f"{tenant}-other", "admin-1")).json() == []


def test_an_unknown_time_zone_is_a_validation_error_not_a_crash():
    import pytest
    from pydantic import ValidationError

    for zone in ("Mars/Olympus", "\u000f\u00c4=", "../etc"):
        with pytest.raises(ValidationError, match="IANA"):
            roster(time_zone=zone)
