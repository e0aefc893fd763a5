"""Durable timers: a timer process SIGKILLed while steps are due, then restarted, fires every step
exactly once; the watchdog finds steps nobody fired and fires them."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from peerbridge_escalation.cases.intake import handle
from peerbridge_escalation.routing.ladder import PENDING
from peerbridge_escalation.routing.models import Step
from peerbridge_escalation.routing.timers import HEARTBEAT, OVERDUE, watchdog_pass
from peerbridge_shared.db import Database
from peerbridge_shared.events import utc_now
from peerbridge_shared.events.scheduling import ParticipantEnrolled

from .conftest import SERVICE_DIR, envelope
from .test_intake import NOW, phq9
from .test_ladder import published, staff_program

CASES = 40


@pytest.fixture
def escalation_url(migrated_database):  # the timer loop fires every due step in its database: one of its own
    return migrated_database("timers", SERVICE_DIR / "alembic.ini")


@pytest.fixture
def escalation_db(escalation_url):
    database = Database(escalation_url)
    yield database
    database.dispose()


def timers(url: str) -> subprocess.Popen:
    env = {**os.environ, "ESCALATION_DATABASE_URL": url, "ESCALATION_TIMER_INTERVAL_S": "0.05",
           "OTEL_TRACES_EXPORTER": "none"}
    return subprocess.Popen([sys.executable, "-m", "peerbridge_escalation.routing.timers"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def due_steps(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).where(Step.status == PENDING, Step.due_at <= utc_now()))


def open_high_case_for_new_participant(db, tenant):
    participant = f"p-{uuid.uuid4().hex[:6]}"
    with db.transaction() as session:
        handle(session, envelope(ParticipantEnrolled(participant_id=participant, enrollment_id="e",
                                                     program_id="prog-1", site_id="s", enrolled_on=date(2026, 1, 5),
                                                     clinician_id="own-1"), tenant), NOW)
        handle(session, envelope(phq9(participant, 2), tenant), NOW)


def test_a_timer_process_killed_mid_work_fires_each_step_exactly_once_after_restart(escalation_db, escalation_url,
                                                                                   tenant):
    staff_program(escalation_db, tenant)
    for _ in range(CASES):
        open_high_case_for_new_participant(escalation_db, tenant)
    assert due_steps(escalation_db) == 2 * CASES

    first = timers(escalation_url)
    deadline = time.monotonic() + 60
    while due_steps(escalation_db) > CASES and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    left = due_steps(escalation_db)
    assert 0 < left < 2 * CASES, "killed part-way through"

    second = timers(escalation_url)
    deadline = time.monotonic() + 60
    while due_steps(escalation_db) and time.monotonic() < deadline:
        time.sleep(0.05)
    second.terminate()
    second.wait(30)

    events = published(escalation_db, tenant)
    breaches = Counter(e.data.case_id for e in events if e.type.endswith("breached.v1"))
    pages = Counter((e.data.case_id, e.data.level) for e in events if e.type.endswith("notified.v1"))
    assert len(breaches) == CASES and set(breaches.values()) == {1}, "each deadline fired once"
    assert {count for (_, level), count in pages.items() if level == 0} == {2}, "open + one repeat, never more"
    # The steps fire at the real "now", past the roster's month: on-call resolves to nobody and the
    # case climbs at once to the supervisor, who is paged exactly once.
    assert {count for (_, level), count in pages.items() if level == 2} == {1}
    assert not [key for key in pages if key[1] == 1]


def test_the_watchdog_fires_overdue_steps_and_beats(escalation_db, tenant):
    staff_program(escalation_db, tenant)
    open_high_case_for_new_participant(escalation_db, tenant)
    late = NOW + timedelta(minutes=20)
    assert watchdog_pass(escalation_db, late, timedelta(seconds=30), "watchdog-test") == 2
    assert OVERDUE._value.get() == 2 and HEARTBEAT._value.get() == late.timestamp()
    assert watchdog_pass(escalation_db, late, timedelta(seconds=30), "watchdog-test") == 0
    breached = [e for e in published(escalation_db, tenant) if e.type.endswith("breached.v1")]
    assert len(breached) == 1
