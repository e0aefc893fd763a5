"""Bulkheads: a notification or a timer step that breaks in any way is recorded on its own row, backs
off and is parked after its last try, while every other organization's and clinician's pages go on;
delivery takes organizations (and their clinicians) in turn."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from peerbridge_escalation.cases.intake import handle
from peerbridge_escalation.cases.models import Case
from peerbridge_escalation.notify.channels import DeliveryError, EmailChannel
from peerbridge_escalation.notify.delivery import PARKED, UNREACHABLE, deliver_pending
from peerbridge_escalation.retry import LOOP_ERRORS
from peerbridge_escalation.rosters import service as rosters
from peerbridge_escalation.rosters.schemas import ContactCreate
from peerbridge_escalation.routing.ladder import STEPS_FAILED, fire_due
from peerbridge_escalation.routing.models import Notification, Step
from peerbridge_shared.events.scheduling import ParticipantEnrolled

from .conftest import envelope, verified
from .test_intake import NOW, phq9
from .test_ladder import pages, staff_program
from .test_notifications import CONSOLE


class Exploding:
    """A channel with a bug: raises something that is not a DeliveryError."""

    name = "webhook"

    def __init__(self):
        self.calls = 0

    def send(self, page, address):
        self.calls += 1
        raise ValueError(f"cannot parse {address!r}")


def channels(port, webhook=None):
    return {"email": EmailChannel("127.0.0.1", port, "alerts@peerbridge"), "webhook": webhook or Exploding()}


def contacts(db, admin, clinician, *methods):
    with db.transaction() as session:
        rosters.replace_contacts(session=session, caller=admin, clinician_id=clinician,
                                 contacts=[ContactCreate(**m) for m in methods], start_verification=verified)


def open_cases(db, tenant, clinician, count):
    for _ in range(count):
        participant = f"p-{uuid.uuid4().hex[:6]}"
        with db.transaction() as session:
            handle(session, envelope(ParticipantEnrolled(
                participant_id=participant, enrollment_id="e", program_id="prog-1", site_id="s",
                enrolled_on=date(2026, 1, 5), clinician_id=clinician), tenant), NOW)
            handle(session, envelope(phq9(participant, 2), tenant), NOW)


def notes(db, tenant):
    with db.transaction() as session:
        return list(session.scalars(select(Notification).where(Notification.organization_id == tenant)
                                    .order_by(Notification.created_at)))


def test_a_contact_that_breaks_the_channel_is_recorded_backs_off_and_never_holds_up_another_organization(
        escalation_db, smtp):
    inbox, port = smtp
    broken_org, other_org = f"org-{uuid.uuid4().hex[:8]}", f"org-{uuid.uuid4().hex[:8]}"
    _, admin = staff_program(escalation_db, broken_org)
    contacts(escalation_db, admin, "own-1", {"channel": "webhook", "address": "https://pager.example.org/x"},
             {"channel": "email", "address": "own-1@clinic.example.org", "priority": 1})
    open_cases(escalation_db, broken_org, "own-1", 3)
    participant, _ = staff_program(escalation_db, other_org)
    open_cases(escalation_db, other_org, "own-1", 1)
    errors_before = LOOP_ERRORS.labels("delivery")._value.get()

    exploding = Exploding()
    deliver_pending(escalation_db, channels(port, exploding), CONSOLE, NOW)

    [other] = notes(escalation_db, other_org)
    assert other.status == "sent", "the other organization's page went out in the same pass"
    broken = notes(escalation_db, broken_org)
    assert {(n.status, n.attempts) for n in broken} == {("pending", 1)}
    assert all(n.last_error == "ValueError: cannot parse 'https://pager.example.org/x'" for n in broken)
    assert all(n.next_attempt_at == NOW + timedelta(seconds=5) for n in broken)
    assert LOOP_ERRORS.labels("delivery")._value.get() - errors_before == 3 == exploding.calls

    deliver_pending(escalation_db, channels(port, exploding), CONSOLE, NOW + timedelta(seconds=5))
    deliver_pending(escalation_db, channels(port, exploding), CONSOLE, NOW + timedelta(seconds=15))
    by_channel = {}
    for note in notes(escalation_db, broken_org):
        by_channel.setdefault(note.channel, []).append((note.status, note.attempts))
    assert by_channel == {"webhook": [("failed", 3)] * 3, "email": [("sent", 1)] * 3}, \
        "parked after 3 tries, then the clinician's next method"
    assert len(inbox.messages) == 4


def test_organizations_and_their_clinicians_are_served_in_turn(escalation_db, smtp):
    inbox, port = smtp
    busy, quiet = f"org-{uuid.uuid4().hex[:8]}", f"org-{uuid.uuid4().hex[:8]}"
    _, admin = staff_program(escalation_db, busy)
    contacts(escalation_db, admin, "swamped", {"channel": "email", "address": "swamped@clinic.example.org"})
    open_cases(escalation_db, busy, "swamped", 30)
    open_cases(escalation_db, busy, "own-1", 1)
    staff_program(escalation_db, quiet)
    open_cases(escalation_db, quiet, "own-1", 1)

    deliver_pending(escalation_db, channels(port), CONSOLE, NOW, most=4)

    first = [recipients[0] for recipients, _ in inbox.messages]
    assert len(first) == 4
    assert "own-1@example.org" in first[:2], "the quiet organization waits one try at most"
    assert first.count("own-1@example.org") == 2, "the busy organization's other clinician too"


def test_a_clinician_with_no_method_left_makes_the_case_climb_and_the_alert_rise(escalation_db, smtp):
    inbox, port = smtp
    tenant = f"org-{uuid.uuid4().hex[:8]}"
    participant, admin = staff_program(escalation_db, tenant)
    contacts(escalation_db, admin, "own-1", {"channel": "webhook", "address": "https://pager.example.org/x"})

    class Refusing:
        name = "webhook"

        def send(self, page, address):
            raise DeliveryError("webhook answered 404", permanent=True)

    open_cases(escalation_db, tenant, "own-1", 1)
    unreachable, parked = UNREACHABLE._value.get(), PARKED.labels("webhook")._value.get()
    deliver_pending(escalation_db, channels(port, Refusing()), CONSOLE, NOW)

    assert UNREACHABLE._value.get() - unreachable == 1 and PARKED.labels("webhook")._value.get() - parked == 1
    assert pages(escalation_db, tenant)[:2] == [(0, "own-1"), (1, "oncall-b")], \
        "the on-call clinician is paged now, not at the deadline"
    with escalation_db.transaction() as session:
        assert session.scalars(select(Case).where(Case.organization_id == tenant)).one().current_level == 1
    assert [r for r, _ in inbox.messages] == [["oncall-b@example.org"]]


def test_a_step_that_breaks_backs_off_is_parked_and_never_stops_the_timer_loop(escalation_db):
    broken_org, other_org = f"org-{uuid.uuid4().hex[:8]}", f"org-{uuid.uuid4().hex[:8]}"
    for tenant in (broken_org, other_org):
        staff_program(escalation_db, tenant)
        open_cases(escalation_db, tenant, "own-1", 1)
    with escalation_db.transaction() as session:  # a record no code path expects
        session.execute(update(Case).where(Case.organization_id == broken_org).values(policy={"risks": "??"}))
    failed_before = STEPS_FAILED._value.get()

    assert fire_due(escalation_db, NOW + timedelta(minutes=16), "test") >= 1
    assert (1, "oncall-b") in pages(escalation_db, other_org), "the other case climbed"
    with escalation_db.transaction() as session:
        broken = list(session.scalars(select(Step).where(Step.organization_id == broken_org,
                                                         Step.due_at <= NOW + timedelta(minutes=16))))
    assert {(s.status, s.attempts) for s in broken} == {("pending", 1)}
    assert all(s.last_error.startswith("ValidationError") for s in broken)

    at = NOW + timedelta(minutes=16)
    for _ in range(6):
        at += timedelta(minutes=2)
        fire_due(escalation_db, at, "test")
    with escalation_db.transaction() as session:
        statuses = {s.status for s in session.scalars(select(Step).where(Step.organization_id == broken_org,
                                                                           Step.attempts > 0))}
    assert statuses == {"failed"} and STEPS_FAILED._value.get() > failed_before


@pytest.fixture
def escalation_db(migrated_database):  # due_heads and fire_due see every organization: a database of its own
    from peerbridge_shared.db import Database

    from .conftest import SERVICE_DIR

    database = Database(migrated_database("bulkheads", SERVICE_DIR / "alembic.ini"))
    yield database
    database.dispose()
