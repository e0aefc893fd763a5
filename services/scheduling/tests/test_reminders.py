"""Reminders at each offset, once; check-ins; no-shows after the grace period."""

from datetime import UTC, datetime, timedelta

import pytest

from peerbridge_scheduling.reminders.service import tick
from peerbridge_shared.db import Database

from .conftest import SERVICE_DIR, Clock, World


# A pass of the worker sees every session in its database: each test here gets a database of its own.
@pytest.fixture
def scheduling_url(migrated_database):
    return migrated_database("reminders", SERVICE_DIR / "alembic.ini")


@pytest.fixture
def scheduling_db(scheduling_url):
    database = Database(scheduling_url)
    yield database
    database.dispose()

START = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)  # 6 pm in New York (EDT)


def reminders_of(events, session_id):
    return [e.data for e in events if e.type.endswith("reminder-due.v1") and e.subject == session_id]


def test_each_reminder_goes_out_once_in_each_participants_language(world, api, scheduling_db, published):
    peer = world.peer(languages=["en", "es"])
    ana, ben = world.participant(preferred_language="es"), world.participant(preferred_language="fr")
    session = api.post("/sessions", world.session_body([peer], [ana, ben], START, minutes=90))
    clock = Clock(START - timedelta(hours=30))
    assert tick(scheduling_db, clock)[0] == 0, "nothing due 30 hours before"
    clock.now = START - timedelta(hours=23)
    assert tick(scheduling_db, clock)[0] == 1
    assert tick(scheduling_db, clock)[0] == 0, "the 24-hour reminder is not sent twice"
    clock.now = START - timedelta(minutes=50)
    assert tick(scheduling_db, clock)[0] == 1
    clock.now = START + timedelta(minutes=1)
    assert tick(scheduling_db, clock)[0] == 0, "no reminder once the session started"

    sent = reminders_of(published(api.identity.organization_id), session["id"])
    assert [r.offset_minutes for r in sent] == [1440, 60]
    texts = {r.participant_id: (r.language, r.text) for r in sent[1].recipients}
    assert texts[ana["id"]] == ("es", "Recordatorio: su grupo de apoyo entre pares empieza el 10/03 a las 18:00 en "
                                      "Main street. Responda STOP para no recibir más mensajes.")
    assert texts[ben["id"]][0] == "en", "French falls back to English"
    assert texts[ben["id"]][1].startswith("Reminder: your peer support group starts Tue Mar 10 at 6:00 PM")
    assert ana["family_name"] not in str(sent)


def test_a_worker_that_was_down_sends_only_the_nearest_reminder(world, api, scheduling_db, published):
    peer, alice = world.peer(), world.participant()
    session = api.post("/sessions", world.session_body([peer], [alice], START, kind="one_to_one"))
    assert tick(scheduling_db, Clock(START - timedelta(minutes=20)))[0] == 1
    sent = reminders_of(published(api.identity.organization_id), session["id"])
    assert [r.offset_minutes for r in sent] == [60]


def test_participants_without_a_check_in_are_marked_no_show_after_the_grace_period(world, api, scheduling_db,
                                                                                  published, clock):
    peer, ana, ben = world.peer(), world.participant(), world.participant()
    session = api.post("/sessions", world.session_body([peer], [ana, ben], START, minutes=60))
    clock.now = START - timedelta(hours=2)
    problem = api.post(f"/sessions/{session['id']}/check-ins", {"participant_id": ana["id"]}, expect=422)
    assert problem["errors"][0]["rule"] == "check_in_window"
    clock.now = START + timedelta(minutes=3)
    api.post(f"/sessions/{session['id']}/check-ins", {"participant_id": ana["id"]})
    api.post(f"/sessions/{session['id']}/check-ins", {"participant_id": ana["id"]})  # idempotent

    assert tick(scheduling_db, Clock(START + timedelta(minutes=14)))[1] == 0, "still inside the 15-minute grace"
    assert tick(scheduling_db, Clock(START + timedelta(minutes=16)))[1] == 1
    assert tick(scheduling_db, Clock(START + timedelta(minutes=30)))[1] == 0, "marked once"
    marked = api.get(f"/sessions/{session['id']}/attendance")["records"]
    assert marked == [{"participant_id": ben["id"], "status": "no_show", "minutes_present": 0}]

    clock.now = START + timedelta(minutes=70)
    done = api.on_behalf(peer["id"]).post(f"/sessions/{session['id']}/attendance", {
        "facilitator_peer_id": peer["id"], "records": [
        {"participant_id": ana["id"], "status": "attended", "minutes_present": 60}]})
    assert {r["participant_id"]: r["status"] for r in done["records"]} == {ana["id"]: "attended",
                                                                          ben["id"]: "no_show"}
    events = published(api.identity.organization_id)
    statuses = [(e.subject, e.data.status.value) for e in events if e.type.endswith("attendance.recorded.v1")]
    assert sorted(statuses) == sorted([(ben["id"], "no_show"), (ana["id"], "attended")])
    [completed] = [e.data for e in events if e.type.endswith("session.completed.v1")]
    assert completed.attendee_count == 1


def test_programs_can_turn_automatic_no_shows_off(api, scheduling_db):
    quiet = World(api, auto_no_show=False)
    peer, alice = quiet.peer(), quiet.participant()
    session = api.post("/sessions", quiet.session_body([peer], [alice], START, kind="one_to_one"))
    assert tick(scheduling_db, Clock(START + timedelta(hours=1))) == (0, 0)
    assert api.get(f"/sessions/{session['id']}/attendance")["records"] == []
