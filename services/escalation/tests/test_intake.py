"""Signal intake against real PostgreSQL: open, join, upgrade, duplicates, care team, deadlines."""

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from peerbridge_escalation.audit.service import verify
from peerbridge_escalation.cases.intake import handle
from peerbridge_escalation.cases.models import Case
from peerbridge_shared.events import decode
from peerbridge_shared.events.care import AttendanceRecorded, AttendanceStatus, EncounterClass, HospitalDischarged
from peerbridge_shared.events.safety import (
    ConcernCategory,
    CssrsAnswers,
    RiskScreenCompleted,
    SafetyConcernRaised,
    ScreenInstrument,
)
from peerbridge_shared.events.scheduling import ParticipantEnrolled
from peerbridge_shared.outbox import OutboxMessage

from .conftest import envelope

NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)  # Wednesday 9 am in New York


def phq9(participant, item9, program_id="prog-1"):
    return RiskScreenCompleted(participant_id=participant, screen_id=str(uuid.uuid4()), program_id=program_id,
                               instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=item9, completed_at=NOW,
                               screened_by="peer-1", positive=item9 > 0, rule_version="phq9@1:item9>0")


def cssrs_imminent(participant):
    answers = CssrsAnswers(wish_to_be_dead=True, suicidal_thoughts=True, thoughts_with_method=True,
                           intent_without_plan=False, intent_with_plan=True, suicidal_behavior=False)
    return RiskScreenCompleted(participant_id=participant, screen_id=str(uuid.uuid4()), program_id="prog-1",
                               instrument=ScreenInstrument.CSSRS_SCREENER, cssrs=answers, completed_at=NOW,
                               screened_by="peer-1", positive=True, rule_version="cssrs_screener@1:any-yes")


def no_show(participant):
    return AttendanceRecorded(participant_id=participant, session_id=str(uuid.uuid4()), program_id="prog-1",
                              site_id="site-1", peer_id="peer-1", session_kind="one_to_one",
                              status=AttendanceStatus.NO_SHOW, minutes_present=0, session_starts_at=NOW)


def apply(db, event, now=NOW):
    with db.transaction() as session:
        return handle(session, event, now)


def case_of(db, tenant, participant) -> Case:
    with db.transaction() as session:
        return session.scalars(select(Case).where(Case.organization_id == tenant,
                                                  Case.participant_id == participant)).one()


def published(db, tenant):
    with db.transaction() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        events = [decode(r.key, r.value, [(n, v.encode()) for n, v in r.headers]) for r in rows]
    return [e for e in events if e.tenant == tenant]


def test_a_signal_opens_a_case_with_its_rule_version_deadline_and_policy_snapshot(escalation_db, tenant):
    participant = f"p-{uuid.uuid4().hex[:6]}"
    assert apply(escalation_db, envelope(phq9(participant, 0), tenant)) == "not_a_signal"
    signal = envelope(phq9(participant, 2), tenant)
    assert apply(escalation_db, signal) == "opened"
    assert apply(escalation_db, signal) == "duplicate", "the same event id does nothing twice"

    case = case_of(escalation_db, tenant, participant)
    assert (case.risk_level, case.rule_version, case.status) == ("high", "2026.11-1", "open")
    assert case.acknowledge_by == NOW + timedelta(minutes=15)
    assert case.policy["risks"]["high"]["levels"][0]["targets"] == ["own_clinician"]
    assert case.case_number.startswith("ESC-2026-")
    [opened] = [e for e in published(escalation_db, tenant) if e.type.endswith("opened.v1")]
    assert opened.type.endswith("case.opened.v1") and opened.data.signal_event_ids == [signal.id]
    assert opened.subject == case.id, "case events are keyed by case id"
    with escalation_db.transaction() as session:
        assert verify(session, organization_id=tenant).valid


def test_a_lower_signal_joins_and_a_higher_one_upgrades_with_a_new_deadline(escalation_db, tenant):
    participant = f"p-{uuid.uuid4().hex[:6]}"
    apply(escalation_db, envelope(phq9(participant, 1), tenant))
    concern = SafetyConcernRaised(participant_id=participant, concern_id="c-1", program_id="prog-1",
                                  category=ConcernCategory.SELF_HARM, raised_by="peer-1", raised_at=NOW)
    assert apply(escalation_db, envelope(concern, tenant), NOW + timedelta(minutes=5)) == "joined"
    later = NOW + timedelta(minutes=10)
    assert apply(escalation_db, envelope(cssrs_imminent(participant), tenant), later) == "upgraded"

    case = case_of(escalation_db, tenant, participant)
    assert case.risk_level == "imminent" and case.acknowledge_by == later + timedelta(minutes=5)
    assert [(s.effect, s.risk_level, s.rule) for s in case.signals] == [
        ("opened", "moderate", "phq9.item9_eq_1"), ("joined", "moderate", "concern.self_harm"),
        ("upgraded", "imminent", "cssrs.item5_intent_with_plan")]
    events = published(escalation_db, tenant)
    assert events[0].type.endswith("opened.v1")
    upgrades = [e.data for e in events if e.type.endswith("escalated.v1") and e.data.reason.value == "risk_upgraded"]
    assert [u.risk_level.value for u in upgrades] == ["imminent"]
    nobody = {e.data.reason.value for e in events if e.type.endswith("escalated.v1")} - {"risk_upgraded"}
    assert nobody == {"no_recipient"}, "no staff in this organization: every level reports nobody, never silently"


def test_missed_check_ins_count_on_an_open_high_case(escalation_db, tenant):
    participant = f"p-{uuid.uuid4().hex[:6]}"
    assert apply(escalation_db, envelope(no_show(participant), tenant)) == "not_a_signal"
    apply(escalation_db, envelope(phq9(participant, 3), tenant))
    assert apply(escalation_db, envelope(no_show(participant), tenant), NOW + timedelta(minutes=1)) == "joined"
    assert apply(escalation_db, envelope(no_show(participant), tenant), NOW + timedelta(minutes=2)) == "joined"
    case = case_of(escalation_db, tenant, participant)
    assert case.missed_check_ins == 2
    assert [s.rule for s in case.signals][1:] == ["no_show.miss_with_open_high_case",
                                                 "no_show.second_miss_with_open_high_case"]


def test_enrollment_keeps_the_care_team_and_a_discharge_joins_the_open_case(escalation_db, tenant):
    participant = f"p-{uuid.uuid4().hex[:6]}"
    enrolled = ParticipantEnrolled(participant_id=participant, enrollment_id="e", program_id="prog-9", site_id="s",
                                   enrolled_on=date(2026, 1, 5), clinician_id="clin-7")
    assert apply(escalation_db, envelope(enrolled, tenant)) == "care_updated"
    discharge = HospitalDischarged(participant_id=participant, encounter_id="adt-1",
                                   encounter_class=EncounterClass.INPATIENT, psychiatric=True,
                                   admitted_at=NOW - timedelta(days=5), discharged_at=NOW)
    assert apply(escalation_db, envelope(discharge, tenant)) == "not_a_signal", "no open case, no case"
    concern = SafetyConcernRaised(participant_id=participant, concern_id="c-2", program_id="prog-9",
                                  category=ConcernCategory.OTHER, raised_by="peer-1", raised_at=NOW)
    apply(escalation_db, envelope(concern, tenant))
    assert apply(escalation_db, envelope(discharge.model_copy(update={"encounter_id": "adt-2"}), tenant)) == "upgraded"
    assert case_of(escalation_db, tenant, participant).risk_level == "high"


def test_a_low_risk_case_is_due_by_the_end_of_the_business_day_in_the_programs_zone(escalation_db, tenant):
    participant = f"p-{uuid.uuid4().hex[:6]}"
    low = RiskScreenCompleted(participant_id=participant, screen_id="s", program_id="prog-1",
                              instrument=ScreenInstrument.CSSRS_SCREENER,
                              cssrs=CssrsAnswers(wish_to_be_dead=True, suicidal_thoughts=False,
                                                 suicidal_behavior=False),
                              completed_at=NOW, screened_by="peer-1", positive=True, rule_version="r")
    friday_evening = datetime(2026, 3, 6, 23, 30, tzinfo=UTC)  # 6:30 pm EST on Friday
    apply(escalation_db, envelope(low, tenant), friday_evening)
    due = case_of(escalation_db, tenant, participant).acknowledge_by
    assert due == datetime(2026, 3, 9, 21, 0, tzinfo=UTC), "Monday 5 pm EDT: DST began on Sunday"
