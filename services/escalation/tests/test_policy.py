"""Per-program policies: validated, snapshotted when a case opens, later edits change no running case."""

from datetime import timedelta

from fastapi.testclient import TestClient

from peerbridge_escalation.app import create_app
from peerbridge_escalation.policy import DEFAULT_POLICY
from peerbridge_escalation.routing.ladder import fire_due
from peerbridge_escalation.settings import EscalationSettings

from .test_cases_api import headers
from .test_intake import NOW
from .test_ladder import open_high_case, pages, staff_program


def fast_high(minutes: int) -> dict:
    policy = DEFAULT_POLICY.model_dump(mode="json")
    for level in policy["risks"]["high"]["levels"]:
        level["acknowledge_minutes"], level["repeats"] = minutes, 0
    return {**policy, "version": f"fast-{minutes}"}


def test_a_running_case_keeps_the_policy_it_opened_with(escalation_url, escalation_db, tenant):
    participant, _ = staff_program(escalation_db, tenant)
    app = create_app(EscalationSettings(database_url=escalation_url))
    with TestClient(app) as client:
        admin = headers(tenant, "admin-1")
        assert client.put("/programs/prog-1/escalation-policy", json=fast_high(5), headers=admin).status_code == 200
        case_id = open_high_case(escalation_db, tenant, participant)
        client.put("/programs/prog-1/escalation-policy", json=fast_high(30), headers=admin)
        assert client.get("/programs/prog-1/escalation-policy", headers=admin).json()["version"] == "fast-30"
        [case] = client.get("/cases", headers=admin).json()
        assert case["id"] == case_id and case["acknowledge_by"].startswith("2026-03-04T14:05")

        no_director = fast_high(5)
        no_director["risks"]["low"]["levels"] = no_director["risks"]["low"]["levels"][:2]
        refused = client.put("/programs/prog-1/escalation-policy", json=no_director, headers=admin)
        assert refused.status_code == 422 and "medical director" in refused.json()["detail"]
    app.state.database.dispose()

    fire_due(escalation_db, NOW + timedelta(minutes=5), "test")
    assert pages(escalation_db, tenant)[-1] == (1, "oncall-b"), "climbed after 5 minutes, as the snapshot says"


def test_an_unknown_time_zone_is_a_422_naming_it(escalation_url, tenant):
    with TestClient(create_app(EscalationSettings(database_url=escalation_url))) as client:
        for zone in ("Mars/Olympus", "\u00fd\u001c", "../etc"):
            refused = client.put("/programs/prog-1/escalation-policy", json={**fast_high(5), "time_zone": zone},
                                 headers=headers(tenant))
            assert refused.status_code == 422, refused.text
            [error] = refused.json()["errors"]
            assert error["field"] == "body.time_zone" and error["rule"] in ("iana_zone", "unicode"), error


def test_a_case_is_resolved_only_with_one_of_its_programs_dispositions(escalation_url, escalation_db, tenant):
    participant, _ = staff_program(escalation_db, tenant)
    app = create_app(EscalationSettings(database_url=escalation_url))
    with TestClient(app) as client:
        admin, own = headers(tenant, "admin-1"), headers(tenant, "own-1")
        ours = {**fast_high(15), "dispositions": {"warm-handoff": "Warm handoff to the crisis team",
                                                  "safety-plan-reviewed": "Safety plan reviewed"}}
        assert client.put("/programs/prog-1/escalation-policy", json=ours, headers=admin).status_code == 200
        bad = client.put("/programs/prog-1/escalation-policy", json={**ours, "dispositions": {"Bad Code!": "x"}},
                         headers=admin)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("body.dispositions")
        case_id = open_high_case(escalation_db, tenant, participant)
        assert client.get(f"/cases/{case_id}", headers=own).json()["dispositions"] == ours["dispositions"]
        note = {"note": "Reached by phone."}
        refused = client.post(f"/cases/{case_id}/resolve", json={"disposition_code": "hospitalized", **note},
                              headers=own)
        assert refused.status_code == 422 and refused.json()["errors"][0] == {
            "field": "body.disposition_code", "rule": "disposition",
            "message": "disposition_code must be one of the program's: warm-handoff, safety-plan-reviewed"}
        resolved = client.post(f"/cases/{case_id}/resolve", json={"disposition_code": "warm-handoff", **note},
                               headers=own)
        assert resolved.status_code == 200 and resolved.json()["disposition_code"] == "warm-handoff"
    app.state.database.dispose()
