from datetime import UTC, datetime, timedelta

from .conftest import types_of

T = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # before the test clock's "now" (15:00)


def group(world, api, size=3):
    peer, people = world.peer(), [world.participant() for _ in range(size)]
    return peer, people, api.post("/sessions", world.session_body([peer], people, T, minutes=90))


def test_attendance_completes_the_session_and_publishes_one_record_per_attendee(world, api, published):
    peer, (ana, ben, cy), session = group(world, api)
    result = api.on_behalf(peer["id"]).post(f"/sessions/{session['id']}/attendance", {
        "facilitator_peer_id": peer["id"], "records": [
        {"participant_id": ana["id"], "status": "attended", "minutes_present": 90},
        {"participant_id": ben["id"], "status": "left_early", "minutes_present": 40},
        {"participant_id": cy["id"], "status": "no_show", "minutes_present": 0}]})
    assert len(result["records"]) == 3
    assert api.get(f"/sessions/{session['id']}")["status"] == "completed"
    assert api.get(f"/sessions/{session['id']}/attendance")["records"] == sorted(
        result["records"], key=lambda r: r["participant_id"])

    events = published(api.identity.organization_id)
    attendance = [e for e in events if e.type.endswith("attendance.recorded.v1")]
    assert {(e.subject, e.data.status.value, e.data.minutes_present) for e in attendance} == {
        (ana["id"], "attended", 90), (ben["id"], "left_early", 40), (cy["id"], "no_show", 0)}
    [completed] = [e for e in events if e.type.endswith("session.completed.v1")]
    assert completed.data.attendee_count == 2 and completed.data.facilitator_peer_id == peer["id"]

    again = api.on_behalf(peer["id"]).post(f"/sessions/{session['id']}/attendance", {
        "facilitator_peer_id": peer["id"], "records": [
        {"participant_id": ana["id"], "status": "attended", "minutes_present": 90}]}, expect=409)
    assert again["errors"][0]["rule"] == "scheduled_only"


def test_bad_attendance_names_the_field_and_records_nothing(world, api, published):
    peer, (ana, ben), session = group(world, api, size=2)
    stranger = world.participant()
    ok = {"participant_id": ben["id"], "status": "attended", "minutes_present": 90}
    cases = [
        ([{"participant_id": ana["id"], "status": "attended", "minutes_present": 91}, ok],
         "body.records.0.minutes_present", "session_length"),
        ([{"participant_id": ana["id"], "status": "no_show", "minutes_present": 5}, ok],
         "body.records.0.minutes_present", "absent_minutes"),
        ([{"participant_id": stranger["id"], "status": "attended", "minutes_present": 5}, ok],
         "body.records.0.participant_id", "session_participant"),
        ([ok], "body.records", "complete_roster"),
        ([ok, ok], "body.records.1.participant_id", "unique"),
        ([{"participant_id": ana["id"], "status": "dozed", "minutes_present": 5}, ok], "body.records.0.status", "enum"),
    ]
    for records, field, rule in cases:
        problem = api.on_behalf(peer["id"]).post(f"/sessions/{session['id']}/attendance",
                                                 {"facilitator_peer_id": peer["id"], "records": records}, expect=422)
        assert (problem["errors"][0]["field"], problem["errors"][0]["rule"]) == (field, rule), records
    other = world.peer()["id"]
    wrong_peer = api.on_behalf(other).post(f"/sessions/{session['id']}/attendance",
                                           {"facilitator_peer_id": other, "records": [ok]}, expect=422)
    assert wrong_peer["errors"][0]["field"] == "body.facilitator_peer_id"
    assert api.get(f"/sessions/{session['id']}/attendance")["records"] == []
    assert "recorded.v1" not in types_of(published(api.identity.organization_id))


def test_attendance_cannot_be_recorded_before_the_session_starts(world, api):
    peer, alice = world.peer(), world.participant()
    future = api.post("/sessions", world.session_body([peer], [alice], T + timedelta(days=1), kind="one_to_one"))
    problem = api.on_behalf(peer["id"]).post(f"/sessions/{future['id']}/attendance", {
        "facilitator_peer_id": peer["id"], "records": [
        {"participant_id": alice["id"], "status": "attended", "minutes_present": 60}]}, expect=422)
    assert problem["errors"][0]["rule"] == "started"
