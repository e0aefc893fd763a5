"""An organization's own catalogue can never switch off its screening: one version scheme (422 naming
the field), retirement instead of deletion, and a built-in risk screen published whatever the
catalogue holds (even a stored definition that no longer validates)."""

from sqlalchemy import insert

from peerbridge_scheduling.questionnaires.catalogue import version_key
from peerbridge_scheduling.questionnaires.models import CustomInstrument

from .conftest import types_of
from .test_questionnaires_api import respond

HOPE = {"code": "hope_scale", "version": "1", "name": "Hope check-in", "items": [
    {"id": "agency", "text": "I can find ways to reach my goals", "min": 1, "max": 8}]}
PHQ9_ITEM9 = {str(i): 0 for i in range(1, 9)} | {"9": 2}


def test_versions_follow_one_scheme_and_sort_numerically(api):
    for bad in ("1.a", "v2", "1..2", "1.2.3.4", " 1", "１"):
        refused = api.post("/instruments", {**HOPE, "version": bad}, expect=422)
        assert refused["errors"][0]["field"] == "body.version"
        assert refused["errors"][0]["rule"] == "string_pattern_mismatch"
    for version in ("1", "1.10", "1.9", "2"):
        api.post("/instruments", {**HOPE, "version": version})
    assert api.get("/instruments/hope_scale")["version"] == "2"
    assert [v for v in sorted(["1.10", "1.9", "1", "2", "odd-legacy"], key=version_key)] == [
        "odd-legacy", "1", "1.9", "1.10", "2"]


def test_an_odd_stored_catalogue_never_stops_a_phq9_risk_screen(world, api, published, scheduling_db):
    tenant = api.identity.organization_id
    with scheduling_db.transaction() as session:  # versions of two schemes and a definition that no longer validates
        session.execute(insert(CustomInstrument), [
            {"id": f"odd-{tenant}-1", "organization_id": tenant, "code": "odd", "version": "a.1",
             "definition": {**HOPE, "code": "odd", "version": "a.1"}},
            {"id": f"odd-{tenant}-2", "organization_id": tenant, "code": "odd", "version": "2",
             "definition": {**HOPE, "code": "odd", "version": "2"}},
            {"id": f"odd-{tenant}-3", "organization_id": tenant, "code": "broken", "version": "1",
             "definition": {"code": "broken", "items": "??"}}])
    assert "phq9" in [i["code"] for i in api.get("/instruments")]
    assert api.get("/instruments/odd")["version"] == "2"

    alice = world.participant()
    result = respond(api, alice, world.program, "phq9", PHQ9_ITEM9)
    assert result["safety_signal"] is True
    respond(api, alice, world.program, "cssrs_screener", {"1": True, "2": False, "6": False})
    events = [e for e in published(tenant) if e.subject == alice["id"]]
    screens = [e.data for e in events if e.type.endswith("risk-screen.completed.v1")]
    assert [s.instrument.value for s in screens] == ["phq9_item9", "cssrs_screener"]
    assert "completed.v1" in types_of(events)


def test_a_retired_instrument_is_kept_readable_but_takes_no_new_responses(world, api):
    api.post("/instruments", HOPE)
    alice = world.participant()
    answered = respond(api, alice, world.program, "hope_scale", {"agency": 5})
    retired = api.post("/instruments/hope_scale/retire", None, expect=200)
    assert retired["code"] == "hope_scale" and retired["retired_by"] == api.identity.user_id
    assert "hope_scale" not in [i["code"] for i in api.get("/instruments")]
    assert api.get("/instruments/hope_scale", params={"version": "1"})["version"] == "1"
    refused = respond(api, alice, world.program, "hope_scale", {"agency": 5}, expect=422)
    assert refused["errors"][0] == {"field": "body.instrument", "rule": "not_retired",
                                    "message": "instrument hope_scale is retired"}
    kept = api.get(f"/participants/{alice['id']}/questionnaire-responses")
    assert [r["id"] for r in kept] == [answered["id"]] and kept[0]["instrument_version"] == "1"
    assert api.post("/instruments/phq9/retire", None, expect=409)["errors"][0]["rule"] == "not_built_in"
    assert api.post("/instruments/nope/retire", None, expect=404)
