from .conftest import World, types_of


def test_a_program_needs_a_real_iana_zone(api):
    problem = api.post("/programs", {"name": "x", "time_zone": "Eastern Time"}, expect=422)
    assert problem["errors"][0]["field"] == "body.time_zone"
    program = api.post("/programs", {"name": "x", "time_zone": "America/Chicago"})
    assert program["reminder_offsets_minutes"] == [1440, 60] and program["group_capacity"] == 12


def test_programs_of_another_organization_are_invisible(api):
    program = api.post("/programs", {"name": "mine", "time_zone": "America/Chicago"})
    other = api.as_org("org-elsewhere")
    other.get(f"/programs/{program['id']}", expect=404)
    assert other.get("/programs") == []
    problem = other.post(f"/programs/{program['id']}/sites", {"name": "s"}, expect=404)
    assert problem["errors"][0]["field"] == "path.program_id"


def test_a_supervisor_takes_no_more_peers_than_their_limit(api):
    world = World(api)
    small = api.post("/supervisors", {"display_name": "S", "credential": "LPC", "max_peers": 2})
    world.peer(supervisor_id=small["id"])
    world.peer(supervisor_id=small["id"])
    problem = api.post("/peers", {**_peer_body(world), "supervisor_id": small["id"]}, expect=422)
    assert (problem["errors"][0]["field"], problem["errors"][0]["rule"]) == ("body.supervisor_id",
                                                                              "supervisor_capacity")


def _peer_body(world):
    return {"program_id": world.program["id"], "display_name": "P", "credential_type": "CPSS",
            "credential_number": "1", "credential_expires_on": "2027-01-01", "certified_on": "2025-01-01",
            "languages": ["en"], "supervisor_id": world.supervisor["id"]}


def test_a_peer_without_recent_supervision_or_with_an_expired_credential_cannot_bill(world, api, published):
    peer = world.peer(credential_expires_on="2026-03-31", certified_on="2026-01-10")
    status = api.get(f"/peers/{peer['id']}/status", params={"on": "2026-03-02"})
    assert status["can_deliver_billable_sessions"] is False
    assert status["reasons"] == ["no supervision in the 7 days up to 2026-03-02"]
    assert status["needs_mentor"] is True, "certified less than 180 days ago, no mentor"

    log = api.on_behalf(world.supervisor["id"]).post("/supervision-logs", {"peer_id": peer["id"],
                                         "held_on": "2026-02-27", "minutes": 60, "cases_reviewed": 5})
    assert api.get(f"/peers/{peer['id']}/status", params={"on": "2026-03-02"})["can_deliver_billable_sessions"]
    late = api.get(f"/peers/{peer['id']}/status", params={"on": "2026-04-01"})
    assert late["reasons"] == ["credential expired on 2026-03-31", "no supervision in the 7 days up to 2026-04-01"]

    profile, event = published(api.identity.organization_id)
    assert types_of([profile, event]) == ["profile-changed.v1", "logged.v1"]
    assert (profile.data.peer_id, str(profile.data.credential_expires_on)) == (peer["id"], "2026-03-31")
    assert event.data.supervision_id == log["id"] and event.data.minutes == 60


def test_supervision_cannot_be_logged_in_the_future(world, api):
    peer = world.peer()
    problem = api.on_behalf(world.supervisor["id"]).post("/supervision-logs", {"peer_id": peer["id"],
                                             "held_on": "2026-03-03", "minutes": 60}, expect=422)
    assert problem["errors"][0] == {"field": "body.held_on", "rule": "not_future",
                                    "message": "supervision cannot be logged for a future date"}


def test_training_hours_add_up(world, api):
    peer = world.peer()
    api.post(f"/peers/{peer['id']}/training", {"course": "WRAP facilitator", "hours": 40, "completed_on": "2025-05-01"})
    api.post(f"/peers/{peer['id']}/training", {"course": "Trauma-informed care", "hours": 7.5,
                                              "completed_on": "2025-09-01"})
    assert api.get(f"/peers/{peer['id']}/status")["training_hours"] == 47.5
    listed = api.get(f"/peers/{peer['id']}/training")
    assert [(t["course"], t["hours"], t["completed_on"]) for t in listed] == [
        ("Trauma-informed care", 7.5, "2025-09-01"), ("WRAP facilitator", 40, "2025-05-01")]
    assert api.get(f"/peers/{peer['id']}/training?limit=1&offset=1")[0]["course"] == "WRAP facilitator"


def test_a_peers_supervision_log_is_listed_most_recent_first(world, api):
    peer, other = world.peer(), world.peer()
    supervisor = api.on_behalf(world.supervisor["id"])
    for held_on, minutes in (("2026-02-13", 45), ("2026-02-27", 60), ("2026-02-20", 30)):
        supervisor.post("/supervision-logs", {"peer_id": peer["id"], "held_on": held_on, "minutes": minutes})
    stand_in = api.post("/supervisors", {"display_name": "Stand-in", "credential": "LCSW"})
    api.on_behalf(stand_in["id"]).post("/supervision-logs", {"peer_id": peer["id"], "held_on": "2026-02-28",
                                                            "minutes": 20})
    supervisor.post("/supervision-logs", {"peer_id": other["id"], "held_on": "2026-02-28", "minutes": 50})
    logged = api.get(f"/peers/{peer['id']}/supervision-logs")
    assert [(log["held_on"], log["minutes"], log["by_assigned_supervisor"]) for log in logged] == [
        ("2026-02-28", 20, False), ("2026-02-27", 60, True), ("2026-02-20", 30, True), ("2026-02-13", 45, True)]
    assert [log["held_on"] for log in api.get(f"/peers/{peer['id']}/supervision-logs?limit=2&offset=1")] == [
        "2026-02-27", "2026-02-20"]
    api.as_org("org-elsewhere").get(f"/peers/{peer['id']}/supervision-logs", expect=404)


def test_calls_without_a_valid_identity_token_are_refused(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        missing = client.get("/programs")
        forged = client.get("/programs", headers={"Authorization": "Bearer not-a-token"})
    assert missing.status_code == 401 and forged.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
