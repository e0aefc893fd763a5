from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from peerbridge_scheduling.sessions.models import PeerSession
from peerbridge_shared.outbox import OutboxMessage

from .conftest import types_of

T = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def test_a_group_session_is_booked_and_published(world, api, published):
    peer, people = world.peer(), [world.participant() for _ in range(3)]
    created = api.post("/sessions", world.session_body([peer], people, T))
    assert created["capacity"] == 12 and created["place_of_service"] == "53" and created["status"] == "scheduled"
    assert api.get(f"/sessions/{created['id']}")["participant_ids"] == created["participant_ids"]
    [event] = [e for e in published(api.identity.organization_id) if e.type.endswith("scheduled.v1")]
    assert event.subject == created["id"] and event.data.participant_ids == [p["id"] for p in people]
    assert event.data.starts_at == T


def test_double_booking_a_peer_or_a_participant_is_a_409_naming_the_conflicting_session(world, api):
    peer, other_peer = world.peer(), world.peer()
    alice, bob = world.participant(), world.participant()
    first = api.post("/sessions", world.session_body([peer], [alice], T, kind="one_to_one"))

    clash = api.post("/sessions", world.session_body([peer], [bob], T + timedelta(minutes=30), kind="one_to_one"),
                     expect=409)
    assert clash["conflicting_session"]["id"] == first["id"]
    assert (clash["errors"][0]["field"], clash["errors"][0]["rule"]) == ("body.peer_ids", "no_double_booking")
    clash = api.post("/sessions", world.session_body([other_peer], [alice], T - timedelta(minutes=59)), expect=409)
    assert clash["conflicting_session"]["id"] == first["id"] and clash["errors"][0]["field"] == "body.participant_ids"

    api.post("/sessions", world.session_body([peer], [bob], T + timedelta(minutes=60), kind="one_to_one"))
    api.post(f"/sessions/{first['id']}/cancel", {"reason": "peer ill", "cancelled_by": "program"}, expect=200)
    api.post("/sessions", world.session_body([other_peer], [alice], T), expect=201)  # cancelled frees the slot


def test_concurrent_bookings_of_one_peer_give_one_session_and_one_conflict(world, api, scheduling_db):
    peer = world.peer()
    bodies = [world.session_body([peer], [world.participant()], T + timedelta(minutes=m), kind="one_to_one")
              for m in (0, 15)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(lambda b: api.client.post("/sessions", json=b, headers=api.headers).status_code,
                                   bodies))
    assert statuses == [201, 409]
    with scheduling_db.transaction() as session:
        booked = session.scalar(select(func.count()).select_from(PeerSession)
                                .where(PeerSession.peers.any(peer_id=peer["id"])))
    assert booked == 1


def test_bad_session_input_names_the_field_and_writes_nothing(world, api, scheduling_db):
    peer, alice = world.peer(), world.participant()
    good = world.session_body([peer], [alice], T)
    outsider = world.participant(enroll=False)
    cases = [
        ({"starts_at": "2026-03-04T15:00:00"}, "body.starts_at", "timezone_aware"),
        ({"ends_at": (T - timedelta(minutes=5)).isoformat()}, "body.ends_at", "value_error"),
        ({"kind": "one_to_one", "participant_ids": [alice["id"], outsider["id"]]}, "body.participant_ids",
         "one_to_one"),
        ({"participant_ids": [alice["id"], outsider["id"]]}, "body.participant_ids.1", "enrolled"),
        ({"participant_ids": [alice["id"], "ghost"]}, "body.participant_ids.1", "exists"),
        ({"peer_ids": ["ghost"]}, "body.peer_ids.0", "exists"),
        ({"capacity": 1, "participant_ids": [alice["id"], world.participant()["id"]]}, "body.participant_ids",
         "capacity"),
        ({"capacity": 13}, "body.capacity", "facilitator_ratio"),
        ({"site_id": "elsewhere"}, "body.site_id", "exists"),
        ({"modality": "carrier pigeon"}, "body.modality", "enum"),
    ]
    with scheduling_db.transaction() as session:
        before = session.scalar(select(func.count()).select_from(OutboxMessage))
    for change, field, rule in cases:
        problem = api.post("/sessions", {**good, **change}, expect=422)
        assert (problem["errors"][0]["field"], problem["errors"][0]["rule"]) == (field, rule), change
    with scheduling_db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == before


def test_a_recurring_group_keeps_its_local_time_across_dst_and_books_all_or_nothing(world, api, published):
    peer, people = world.peer(), [world.participant() for _ in range(2)]
    body = {**world.session_body([peer], people, T), "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=4",
            "first_local_start": "2026-03-03T18:00:00", "duration_minutes": 90}
    del body["starts_at"], body["ends_at"]
    series = api.post("/session-series", body)
    zone = ZoneInfo("America/New_York")
    starts = [datetime.fromisoformat(s["starts_at"]) for s in series["sessions"]]
    assert [s.astimezone(UTC).hour for s in starts] == [23, 22, 22, 22], "UTC shifts when DST starts on 8 March"
    assert {(s.astimezone(zone).hour, s.astimezone(zone).minute) for s in starts} == {(18, 0)}
    assert {s["series_id"] for s in series["sessions"]} == {series["series_id"]}
    scheduled = [e for e in published(api.identity.organization_id)
                 if e.type.endswith("scheduled.v1")]
    assert [e.data.series_id for e in scheduled] == [series["series_id"]] * 4

    other_peer = world.peer()
    third = datetime.fromisoformat(series["sessions"][2]["starts_at"])
    api.post("/sessions", world.session_body([other_peer], [world.participant()], third))
    clash = {**body, "peer_ids": [other_peer["id"]], "participant_ids": [world.participant()["id"]]}
    problem = api.post("/session-series", clash, expect=409)
    assert problem["conflicting_session"]["starts_at"].startswith("2026-03-17")
    assert api.get("/sessions", params={"peer_id": other_peer["id"]})[0]["series_id"] is None, "nothing half-written"

    naive = api.post("/session-series", {**body, "first_local_start": "2026-03-03T18:00:00-05:00"}, expect=422)
    assert naive["errors"][0]["field"] == "body.first_local_start"
    endless = api.post("/session-series", {**body, "rrule": "FREQ=WEEKLY"}, expect=422)
    assert endless["errors"][0]["field"] == "body.rrule"


def test_reschedule_and_cancel_publish_with_reasons(world, api, published):
    peer, alice = world.peer(), world.participant()
    created = api.post("/sessions", world.session_body([peer], [alice], T, kind="one_to_one"))
    moved = api.post(f"/sessions/{created['id']}/reschedule", {
        "starts_at": (T + timedelta(days=1)).isoformat(), "ends_at": (T + timedelta(days=1, hours=1)).isoformat(),
        "reason": "participant asked"}, expect=200)
    assert moved["starts_at"].startswith("2026-03-05")
    api.post(f"/sessions/{created['id']}/cancel", {"reason": "hospitalized", "cancelled_by": "participant"}, expect=200)
    again = api.post(f"/sessions/{created['id']}/cancel", {"reason": "x", "cancelled_by": "program"}, expect=409)
    assert again["status"] == 409
    lifecycle = [e for e in published(api.identity.organization_id) if e.subject == created["id"]]
    assert types_of(lifecycle) == ["scheduled.v1", "rescheduled.v1", "cancelled.v1"]
    assert lifecycle[1].data.previous_starts_at == T and lifecycle[2].data.reason == "hospitalized"


def test_sessions_list_filters_and_pages(world, api):
    peer, alice = world.peer(), world.participant()
    for day in range(5):
        api.post("/sessions", world.session_body([peer], [alice], T + timedelta(days=day), kind="one_to_one"))
    page = api.get("/sessions", params={"participant_id": alice["id"], "limit": 2, "offset": 1})
    assert [s["starts_at"][:10] for s in page] == ["2026-03-05", "2026-03-06"]
    window = api.get("/sessions", params={"peer_id": peer["id"], "starts_from": "2026-03-06T00:00:00Z",
                                          "starts_before": "2026-03-08T00:00:00Z"})
    assert len(window) == 2
    assert api.as_org("org-elsewhere").get("/sessions", params={"peer_id": peer["id"]}) == []
