"""PHI stays in this service: no event it publishes carries a name, birth date, member id,
phone number or e-mail address."""

from datetime import UTC, datetime, timedelta

T = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def test_no_event_from_a_full_workflow_contains_phi(world, api, published):
    people = [world.participant(preferred_language=lang) for lang in ("en", "es")]
    peer = world.peer(languages=["en", "es"])
    for person in people:
        api.put(f"/enrollments/{person['enrollment']['id']}/peer", {"peer_id": peer["id"]})
    session = api.post("/sessions", world.session_body([peer], people, T, minutes=60))
    api.on_behalf(peer["id"]).post(f"/sessions/{session['id']}/attendance", {
        "facilitator_peer_id": peer["id"], "records": [
        {"participant_id": p["id"], "status": "attended", "minutes_present": 60} for p in people]})
    api.post("/sessions", world.session_body([peer], people[:1], T + timedelta(days=2), kind="one_to_one"))
    api.on_behalf(world.supervisor["id"]).post("/supervision-logs", {"peer_id": peer["id"],
                                   "held_on": "2026-03-01", "minutes": 60})
    api.post(f"/enrollments/{people[1]['enrollment']['id']}/end", {"ended_on": "2026-03-02", "reason": "moved"},
             expect=200)

    alice = people[0]
    secret = f"{alice['given_name']} {alice['family_name']}"
    api.post(f"/participants/{alice['id']}/questionnaire-responses", {
        "program_id": world.program["id"], "instrument": "experience_survey", "completed_at": T.isoformat(),
        "answers": {"usefulness": 5, "empowerment": 4, "belonging": 4, "usefulness_story": f"I am {secret}"}})
    api.post(f"/participants/{alice['id']}/safety-concerns", {
        "program_id": world.program["id"], "category": "self_harm", "peer_with_person": False,
        "note": f"{secret} called at {alice['phone']}", "raised_at": T.isoformat()})
    api.post(f"/participants/{alice['id']}/safety-plans", {
        "program_id": world.program["id"], "people_to_ask_for_help": [{"name": secret, "phone": alice["phone"]}]})
    goal = api.post(f"/participants/{alice['id']}/goals", {"program_id": world.program["id"], "domain": "housing",
                                                          "description": f"{secret} wants a home"})
    api.on_behalf(peer["id"]).post(f"/participants/{alice['id']}/contacts", {
        "program_id": world.program["id"], "peer_id": peer["id"], "modality": "video", "place_of_service": "02",
        "started_at": T.isoformat(), "ended_at": (T + timedelta(minutes=30)).isoformat(),
        "face_to_face_minutes": 30, "goal_ids": [goal["id"]], "note": f"Met {secret}, email {alice['email']}"})
    api.request("POST", "/hospital-encounters/fhir", 200, json={
        "resourceType": "Encounter", "id": "adt-phi", "status": "finished", "class": {"code": "IMP"},
        "subject": {"reference": f"Patient/{alice['id']}"},
        "serviceType": {"coding": [{"system": "http://snomed.info/sct", "code": "394587001"}]},
        "period": {"start": "2026-02-20T10:00:00Z", "end": "2026-02-25T10:00:00Z"}})

    events = published(api.identity.organization_id)
    kinds = {event.type for event in events}
    assert len(kinds) >= 16, kinds
    phi = [value for person in people
           for value in (person["given_name"], person["family_name"], person["birth_date"], person["member_id"],
                         person["phone"], person["email"])]
    assert api.get(f"/participants/{people[0]['id']}")["member_id"] == people[0]["member_id"], "PHI is stored here"
    for event in events:
        payload = event.data.model_dump_json()
        leaked = [value for value in phi if value in payload or value.replace("-", "") in payload]
        assert not leaked, f"{event.type} carries PHI {leaked}"
