from datetime import UTC, datetime, timedelta

from fhir.resources.R4B.bundle import Bundle

from peerbridge_scheduling.fhir.export import _labelled, attendance_encounter_id, group_encounter_id
from peerbridge_shared.identity import Role
from peerbridge_shared.testing.fhir_validator import assert_valid

T = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def test_goal_status_history_is_kept_and_published_without_its_wording(world, api, published):
    alice = world.participant()
    goal = api.post(f"/participants/{alice['id']}/goals", {
        "program_id": world.program["id"], "description": "Move into my own apartment by summer",
        "domain": "housing", "target_on": "2026-07-01"})
    api.post(f"/goals/{goal['id']}/status", {"status": "on_hold", "note": "waiting list"}, expect=200)
    done = api.post(f"/goals/{goal['id']}/status", {"status": "achieved"}, expect=200)
    assert [h["status"] for h in done["history"]] == ["active", "on_hold", "achieved"]
    assert done["history"][1]["note"] == "waiting list"
    again = api.post(f"/goals/{goal['id']}/status", {"status": "achieved"}, expect=409)
    assert again["errors"][0]["field"] == "body.status"
    changes = [e for e in published(api.identity.organization_id)
               if e.type.endswith("goal.status-changed.v1")]
    assert [(e.data.previous_status, e.data.status) for e in changes] == [
        (None, "active"), ("active", "on_hold"), ("on_hold", "achieved")]
    assert all("apartment" not in e.data.model_dump_json() for e in changes)


def contact_body(world, peer, **overrides):
    return {"program_id": world.program["id"], "peer_id": peer["id"], "modality": "phone", "place_of_service": "02",
            "started_at": T.isoformat(), "ended_at": (T + timedelta(minutes=40)).isoformat(),
            "face_to_face_minutes": 38, "note": "Talked through the housing application.", **overrides}


def test_a_contact_is_documented_signed_and_cosigned_and_each_step_carries_billing_facts(world, api, published):
    alice, peer = world.participant(), world.peer()
    api.put(f"/enrollments/{alice['enrollment']['id']}/peer", {"peer_id": peer["id"]})
    as_peer = api.as_user(peer["id"], Role.PEER)
    as_supervisor = api.as_user(world.supervisor["id"], Role.SUPERVISOR, programs=[world.program["id"]])
    goal = api.post(f"/participants/{alice['id']}/goals", {"program_id": world.program["id"],
                                                          "description": "Find work", "domain": "employment"})
    contact = as_peer.post(f"/participants/{alice['id']}/contacts", contact_body(world, peer, goal_ids=[goal["id"]]))
    as_supervisor.post(f"/contacts/{contact['id']}/cosign", {}, expect=409)
    signed = as_peer.post(f"/contacts/{contact['id']}/sign", {}, expect=200)
    assert signed["signed_by"] == peer["id"]
    as_peer.post(f"/contacts/{contact['id']}/sign", {}, expect=409)
    as_supervisor.post("/supervision-logs", {"peer_id": peer["id"], "held_on": "2026-02-27", "minutes": 60})
    cosigned = as_supervisor.post(f"/contacts/{contact['id']}/cosign", {"supervisor_id": world.supervisor["id"]},
                                  expect=200)
    assert cosigned["cosigned_by"] == world.supervisor["id"]
    assert api.get(f"/contacts/{contact['id']}") == cosigned
    api.as_org("org-elsewhere").get(f"/contacts/{contact['id']}", expect=404)

    snapshots = [e.data for e in published(api.identity.organization_id)
                 if e.type.endswith("contact.documented.v1")]
    assert [s.note_signed_at is not None for s in snapshots] == [False, True, True]
    assert [s.peer_supervision_current for s in snapshots] == [False, False, True]
    last = snapshots[-1]
    assert (last.face_to_face_minutes, last.payer_id, last.enrollment_active, last.peer_credential_valid) == (
        38, "medicaid-nc", True, True)
    assert last.goals_addressed == [goal["id"]] and last.cosigned_by == world.supervisor["id"]
    assert "housing application" not in last.model_dump_json()


def test_the_cosign_queue_holds_only_the_signed_notes_the_supervisor_may_cosign(world, api):
    other_supervisor = api.post("/supervisors", {"display_name": "Other Supervisor", "credential": "LCSW"})
    mine, theirs = world.peer(), world.peer(supervisor_id=other_supervisor["id"])
    notes = {}
    for name, peer in (("signed", mine), ("unsigned", mine), ("cosigned", mine), ("other", theirs)):
        person = world.participant()
        api.put(f"/enrollments/{person['enrollment']['id']}/peer", {"peer_id": peer["id"]})
        as_peer = api.as_user(peer["id"], Role.PEER)
        notes[name] = as_peer.post(f"/participants/{person['id']}/contacts", contact_body(world, peer))
        if name != "unsigned":
            as_peer.post(f"/contacts/{notes[name]['id']}/sign", {}, expect=200)
    as_supervisor = api.as_user(world.supervisor["id"], Role.SUPERVISOR, programs=[world.program["id"]])
    as_supervisor.post("/supervision-logs", {"peer_id": mine["id"], "held_on": "2026-02-27", "minutes": 60})
    as_supervisor.post(f"/contacts/{notes['cosigned']['id']}/cosign", {}, expect=200)

    queue = as_supervisor.get("/contacts", params={"awaiting_cosign": "true"})
    assert [n["id"] for n in queue] == [notes["signed"]["id"]]
    everything = {n["id"] for n in as_supervisor.get("/contacts")}  # my supervisees' participants' notes
    assert everything == {notes[name]["id"] for name in ("signed", "unsigned", "cosigned")}
    elsewhere = api.as_user(world.supervisor["id"], Role.SUPERVISOR, programs=["another-program"])
    assert elsewhere.get("/contacts", params={"awaiting_cosign": "true"}) == []
    assert [n["id"] for n in api.as_user(other_supervisor["id"], Role.SUPERVISOR, programs=[world.program["id"]]).get(
        "/contacts", params={"awaiting_cosign": "true"})] == [notes["other"]["id"]]
    assert api.as_user(mine["id"], Role.PEER).get("/contacts", params={"awaiting_cosign": "true"}) == []
    assert api.as_org("org-elsewhere").get("/contacts") == []
    later = (T + timedelta(minutes=1)).isoformat()
    assert as_supervisor.get("/contacts", params={"started_from": T.isoformat()}) != []
    assert as_supervisor.get("/contacts", params={"started_from": later}) == []


def test_bad_contacts_name_the_field(world, api):
    alice, peer = world.participant(), world.peer()
    cases = [
        (contact_body(world, peer, face_to_face_minutes=41), "body.face_to_face_minutes"),
        (contact_body(world, peer, goal_ids=["not-a-goal"]), "body.goal_ids.0"),
        (contact_body(world, peer, session_id="nope"), "body.session_id"),
        (contact_body(world, peer, ended_at=T.isoformat()), "body.ended_at"),
        (contact_body(world, peer, started_at="2026-03-03T10:00:00Z", ended_at="2026-03-03T11:00:00Z"),
         "body.started_at"),
        (contact_body(world, {"id": "ghost"}), "body.peer_id"),
    ]
    for body, field in cases:
        author = api.on_behalf(body["peer_id"])
        assert author.post(f"/participants/{alice['id']}/contacts", body, expect=422)["errors"][0]["field"] == field


def test_fhir_export_is_a_valid_r4_bundle_of_appointments_and_encounters(world, api, fhir_validator):
    alice, ben, peer = world.participant(), world.participant(), world.peer()
    group = api.post("/sessions", world.session_body([peer], [alice, ben], T, minutes=60))
    one = api.post("/sessions", world.session_body([peer], [alice], T - timedelta(hours=3), kind="one_to_one"))
    later = api.post("/sessions", world.session_body([peer], [alice], T + timedelta(days=3), kind="one_to_one"))
    api.on_behalf(peer["id"]).post(f"/sessions/{group['id']}/attendance", {
        "facilitator_peer_id": peer["id"], "records": [
        {"participant_id": alice["id"], "status": "late", "minutes_present": 50},
        {"participant_id": ben["id"], "status": "no_show", "minutes_present": 0}]})
    api.on_behalf(peer["id"]).post(f"/sessions/{one['id']}/attendance", {
        "facilitator_peer_id": peer["id"], "records": [
        {"participant_id": alice["id"], "status": "no_show", "minutes_present": 0}]})
    contact = api.on_behalf(peer["id"]).post(f"/participants/{alice['id']}/contacts", contact_body(world, peer))

    response = api.client.get(f"/participants/{alice['id']}/fhir", headers=api.headers)
    assert response.headers["content-type"] == "application/fhir+json"
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert_valid(fhir_validator, bundle)
    assert all(entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}" for entry in bundle["entry"])
    resources = {entry["resource"]["id"]: entry["resource"] for entry in bundle["entry"]}
    assert resources[group["id"]]["status"] == "fulfilled"
    assert resources[one["id"]]["status"] == "noshow"
    assert resources[later["id"]]["status"] == "booked"
    mine = resources[attendance_encounter_id(group["id"], alice["id"])]
    assert len(mine["id"]) <= 64 and mine == resources[attendance_encounter_id(group["id"], alice["id"])]
    group_encounter = resources[group_encounter_id(group["id"])]
    assert mine["partOf"]["reference"] == f"urn:uuid:{group_encounter['id']}" and mine["length"]["value"] == 50
    assert mine["appointment"][0]["reference"] == f"urn:uuid:{group['id']}"
    assert mine["subject"]["reference"] == f"Patient/{alice['id']}"
    assert attendance_encounter_id(one["id"], alice["id"]) not in resources, "a no-show is no encounter"
    assert resources[contact["id"]]["class"]["code"] == "VR"
    again = api.client.get(f"/participants/{alice['id']}/fhir", headers=api.headers).json()
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in bundle["entry"]], "ids are stable"


def test_part2_labels_and_notice_keep_the_export_valid_r4(world, api, fhir_validator):
    """Each resource as a Part 2 disclosure exports it: the 42CFRPart2 and NORDSCLCD security labels
    and the redisclosure notice tag, checked by the HL7 validator."""
    alice, peer = world.participant(), world.peer()
    group = api.post("/sessions", world.session_body([peer], [alice], T, minutes=60))
    api.on_behalf(peer["id"]).post(f"/sessions/{group['id']}/attendance", {
        "facilitator_peer_id": peer["id"], "records": [
        {"participant_id": alice["id"], "status": "attended", "minutes_present": 60}]})
    api.on_behalf(peer["id"]).post(f"/participants/{alice['id']}/contacts", contact_body(world, peer))
    bundle = api.get(f"/participants/{alice['id']}/fhir")
    notice = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
    for entry in bundle["entry"]:
        _labelled(entry["resource"], notice)
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"Appointment", "Encounter"}
    assert all(e["resource"]["meta"]["security"][1]["code"] == "42CFRPart2" for e in bundle["entry"])
    assert_valid(fhir_validator, bundle)
