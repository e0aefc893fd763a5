"""The ladder climbing level by level when nobody acknowledges, a level with nobody to page, and
acknowledgement stopping every pending page atomically (durable timers in PostgreSQL)."""

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from peerbridge_escalation.cases import service as cases
from peerbridge_escalation.cases.intake import handle
from peerbridge_escalation.cases.models import Case, ParticipantCare
from peerbridge_escalation.rosters import service as rosters
from peerbridge_escalation.rosters.schemas import ContactCreate, ProgramContactsSet, RosterPublish
from peerbridge_escalation.routing.ladder import fire_due, first_verified_contact
from peerbridge_escalation.routing.models import Notification, Step
from peerbridge_shared.events.scheduling import ParticipantEnrolled
from peerbridge_shared.identity import Identity, Role

from .conftest import envelope, verified
from .test_intake import NOW, phq9, published

STAFF = ["own-1", "oncall-a", "oncall-b", "sup-1", "md-1"]


def staff_program(db, tenant, *, own_clinician="own-1", participant=None):
    admin = Identity(tenant, "admin-1", frozenset({Role.PROGRAM_ADMIN}))
    with db.transaction() as session:
        for clinician in STAFF:
            rosters.replace_contacts(session=session, caller=admin, clinician_id=clinician, contacts=[
                ContactCreate(channel="email", address=f"{clinician}@example.org")], start_verification=verified)
        rosters.set_program_contacts(session=session, caller=admin, program_id="prog-1", clock=lambda: NOW,
                                     data=ProgramContactsSet(supervisor_id="sup-1", medical_director_id="md-1"))
        rosters.publish_roster(session=session, caller=admin, clock=lambda: NOW, data=RosterPublish(
            program_id="prog-1", time_zone="America/New_York", effective_from=date(2026, 3, 1),
            effective_until=date(2026, 3, 31), layers=[{"name": "primary", "members": ["oncall-a", "oncall-b"],
                                                        "starts_on": "2026-02-23", "shift_days": 7}]))
    participant = participant or f"p-{uuid.uuid4().hex[:6]}"
    enrolled = ParticipantEnrolled(participant_id=participant, enrollment_id="e", program_id="prog-1", site_id="s",
                                   enrolled_on=date(2026, 1, 5), clinician_id=own_clinician)
    with db.transaction() as session:
        handle(session, envelope(enrolled, tenant), NOW)
    return participant, admin


def open_high_case(db, tenant, participant, program_id="prog-1"):
    with db.transaction() as session:
        handle(session, envelope(phq9(participant, 2, program_id), tenant), NOW)
        return session.scalars(select(Case).where(Case.organization_id == tenant,
                                                  Case.participant_id == participant,
                                                  Case.program_id == program_id)).one().id


def pages(db, tenant):
    return [(e.data.level, e.data.recipient_id) for e in published(db, tenant) if e.type.endswith("notified.v1")]


def kinds(db, tenant):
    return [e.type.rsplit(".", 2)[-2] for e in published(db, tenant)]


def test_nobody_acknowledges_and_the_case_climbs_level_by_level(escalation_db, tenant):
    participant, _ = staff_program(escalation_db, tenant)
    open_high_case(escalation_db, tenant, participant)
    assert pages(escalation_db, tenant) == [(0, "own-1")], "the participant's own clinician, at once"
    with escalation_db.transaction() as session:
        [email] = session.scalars(select(Notification).where(Notification.organization_id == tenant)).all()
    assert (email.channel, email.address, email.status) == ("email", "own-1@example.org", "pending")

    fire_due(escalation_db, NOW + timedelta(minutes=8), "test")
    assert pages(escalation_db, tenant)[-1] == (0, "own-1"), "repeated halfway through the level"
    fire_due(escalation_db, NOW + timedelta(minutes=15), "test")
    assert pages(escalation_db, tenant)[-1] == (1, "oncall-b"), "on-call roster at that moment (week 2)"
    fire_due(escalation_db, NOW + timedelta(minutes=30), "test")
    fire_due(escalation_db, NOW + timedelta(minutes=45), "test")
    fire_due(escalation_db, NOW + timedelta(minutes=60), "test")
    fire_due(escalation_db, NOW + timedelta(minutes=68), "test")
    assert [level for level, _ in pages(escalation_db, tenant)] == [0, 0, 1, 1, 2, 2, 3, 3, 3, 3]
    assert [who for _, who in pages(escalation_db, tenant)][-2:] == ["md-1", "md-1"], \
        "the medical director keeps being paged until someone acknowledges"
    events = kinds(escalation_db, tenant)
    assert events.count("breached") == 4 and events.count("escalated") == 4


def test_a_level_that_resolves_to_nobody_climbs_at_once_and_says_so(escalation_db, tenant):
    participant, _ = staff_program(escalation_db, tenant, own_clinician=None)
    open_high_case(escalation_db, tenant, participant)
    assert pages(escalation_db, tenant) == [(1, "oncall-b")]
    [escalated] = [e.data for e in published(escalation_db, tenant) if e.type.endswith("escalated.v1")]
    assert (escalated.from_level, escalated.to_level, escalated.reason.value) == (0, 1, "no_recipient")


def test_a_signal_read_before_the_enrollment_still_pages_the_own_clinician_it_names(escalation_db, tenant):
    """The enrollment and safety topics are read in no particular order: the signal carries the own
    clinician, so the first page does not fall to "nobody" and climb; the enrollment, read later,
    stays the authority."""
    staff_program(escalation_db, tenant)
    stranger = f"p-{uuid.uuid4().hex[:6]}"  # enrolled, but its enrollment event is not read yet
    signal = phq9(stranger, 2).model_copy(update={"clinician_id": "own-1"})
    with escalation_db.transaction() as session:
        handle(session, envelope(signal, tenant), NOW)
    assert pages(escalation_db, tenant) == [(0, "own-1")]
    moved = ParticipantEnrolled(participant_id=stranger, enrollment_id="e", program_id="prog-1", site_id="s",
                                enrolled_on=date(2026, 1, 5), clinician_id="own-2")
    with escalation_db.transaction() as session:
        handle(session, envelope(moved, tenant), NOW)
        care = session.get(ParticipantCare, (tenant, stranger, "prog-1"))
        assert care.clinician_id == "own-2"


def test_acknowledging_stops_every_pending_page_and_timer_at_once(escalation_db, tenant):
    participant, admin = staff_program(escalation_db, tenant)
    case_id = open_high_case(escalation_db, tenant, participant)
    clinician = Identity(tenant, "own-1", frozenset({Role.CLINICIAN}), programs=frozenset({"prog-1"}))
    with escalation_db.transaction() as session:
        cases.acknowledge(session=session, caller=clinician, case_id=case_id, clock=lambda: NOW + timedelta(minutes=3))
    with escalation_db.transaction() as session:
        statuses = {s.status for s in session.scalars(select(Step).where(Step.case_id == case_id))}
        pending = session.scalars(select(Notification).where(Notification.case_id == case_id,
                                                             Notification.status == "pending")).all()
    assert statuses == {"cancelled"} and pending == []
    for minutes in (8, 15, 30, 60):
        fire_due(escalation_db, NOW + timedelta(minutes=minutes), "test")
    assert pages(escalation_db, tenant) == [(0, "own-1")], "no page after the acknowledgement"
    assert "breached" not in kinds(escalation_db, tenant)


def test_configuration_changed_in_a_transaction_is_read_afresh_by_its_next_page(escalation_db, tenant):
    """Paging remembers a program's roster and a clinician's first contact method for the rest of
    the transaction; a change made in that transaction is what its next lookup sees."""
    _, admin = staff_program(escalation_db, tenant)
    with escalation_db.transaction() as session:
        before, version = rosters.on_call(session, tenant, "prog-1", NOW)
        assert first_verified_contact(session, tenant, before) == ("email", f"{before}@example.org")
        rosters.publish_roster(session=session, caller=admin, clock=lambda: NOW, data=RosterPublish(
            program_id="prog-1", time_zone="UTC", effective_from=date(2026, 3, 1), effective_until=date(2026, 3, 31),
            layers=[{"name": "cover", "members": ["sup-1"], "starts_on": "2026-03-01", "handoff": "00:00"}]))
        assert rosters.on_call(session, tenant, "prog-1", NOW) == ("sup-1", version + 1)
        rosters.replace_contacts(session=session, caller=admin, clinician_id=before, contacts=[
            ContactCreate(channel="email", address=f"{before}@example.org", priority=2),
            ContactCreate(channel="sms", address="+19195550100", priority=1)], start_verification=verified)
        assert first_verified_contact(session, tenant, before) == ("sms", "+19195550100")
