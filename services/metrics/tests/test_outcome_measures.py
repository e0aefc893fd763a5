"""Transitions, hospitalization, safety, workforce, cohorts and goals, hand-checked on a small program,
and unchanged when the log is redelivered or reordered (property-based)."""

import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from peerbridge_metrics.billing.rules import load_policies
from peerbridge_metrics.measures import FAMILIES, Measures, as_json
from peerbridge_metrics.reference import recompute
from peerbridge_shared.events import Envelope
from peerbridge_shared.events.care import (
    AssessmentCompleted,
    AttendanceRecorded,
    AttendanceStatus,
    CancelledStep,
    DischargeDisposition,
    EncounterClass,
    GoalStatus,
    GoalStatusChanged,
    HospitalAdmitted,
    HospitalDischarged,
    HospitalEncounterCancelled,
    PeerContactDocumented,
    PeerProfileChanged,
    SupervisionLogged,
)
from peerbridge_shared.events.escalation import (
    EscalationAcknowledged,
    EscalationBreached,
    EscalationOpened,
    RiskLevel,
)
from peerbridge_shared.events.safety import RiskScreenCompleted, ScreenInstrument
from peerbridge_shared.events.scheduling import (
    EnrollmentEnded,
    Modality,
    ParticipantEnrolled,
    PeerAssigned,
    SessionKind,
)

ORG, PROGRAM, PEER = "org-1", "prog-1", "peer-k"
AS_OF = date(2026, 6, 30)
ENROLLED = date(2026, 2, 1)


def at(month, day_, hour=10):
    return datetime(2026, month, day_, hour, tzinfo=UTC)


def event(data, when):
    subject = getattr(data, "participant_id", None) or data.peer_id
    return Envelope(data=data, tenant=ORG, source="/test", subject=subject, id=str(uuid.uuid4()), time=when)


def enrolled(who, site):
    return [event(ParticipantEnrolled(participant_id=who, enrollment_id=f"e-{who}", program_id=PROGRAM, site_id=site,
                                      enrolled_on=ENROLLED), at(2, 1)),
            event(PeerAssigned(participant_id=who, enrollment_id=f"e-{who}", program_id=PROGRAM, peer_id=PEER,
                               assigned_at=at(2, 1)), at(2, 1, 11))]


def stay(who, encounter, admitted, discharged, disposition=DischargeDisposition.HOME, psychiatric=True,
         kind=EncounterClass.INPATIENT):
    facts = dict(participant_id=who, encounter_id=encounter, encounter_class=kind, psychiatric=psychiatric,
                 admitted_at=admitted)
    return [event(HospitalAdmitted(**facts), admitted),
            event(HospitalDischarged(**facts, discharged_at=discharged, disposition=disposition), discharged)]


def contact(who, cid, when):
    return event(PeerContactDocumented(
        participant_id=who, contact_id=cid, program_id=PROGRAM, peer_id=PEER, session_kind=SessionKind.ONE_TO_ONE,
        modality=Modality.PHONE, place_of_service="02", occurred_at=when, face_to_face_minutes=20,
        peer_credential_valid=True, peer_supervision_current=True, enrollment_active=True), when)


def case_events(who, case, level, opened, seconds, within, breached_level=None):
    common = dict(case_id=case, case_number=case.upper(), participant_id=who, program_id=PROGRAM, risk_level=level)
    acked = opened + timedelta(seconds=seconds)
    log = [event(EscalationOpened(**common, rule_version="r1", signal_event_ids=["s"], opened_at=opened,
                                  acknowledge_by=opened + timedelta(minutes=15)), opened),
           event(EscalationAcknowledged(**common, acknowledged_by="clin", acknowledged_at=acked,
                                        seconds_to_acknowledge=seconds, within_deadline=within), acked)]
    if breached_level is not None:
        log.append(event(EscalationBreached(**common, level=breached_level, deadline=opened,
                                            breached_at=opened + timedelta(minutes=5)), opened + timedelta(minutes=5)))
    return log


def screen(who, sid, when, positive):
    return event(RiskScreenCompleted(participant_id=who, screen_id=sid, program_id=PROGRAM,
                                     instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=2 if positive else 0,
                                     completed_at=when, screened_by=PEER, positive=positive, rule_version="r"), when)


def program_log():
    log = [*enrolled("dan", "north"), *enrolled("eve", "south"), *enrolled("fay", "south"), *enrolled("gus", "north")]
    log += stay("dan", "h0", at(1, 10), at(1, 15))  # before enrollment
    log += stay("dan", "h1", at(3, 1), at(3, 5, 12))
    log += [contact("dan", "c1", at(3, 5, 18)), contact("dan", "c2", at(3, 20))]  # same day; day 15
    log += stay("eve", "h2", at(3, 3), at(3, 10, 9))
    log.append(event(AttendanceRecorded(participant_id="eve", session_id="g1", program_id=PROGRAM, site_id="south",
                                        peer_id=PEER, session_kind=SessionKind.GROUP, status=AttendanceStatus.ATTENDED,
                                        minutes_present=60, session_starts_at=at(3, 12)), at(3, 12, 11)))  # 49 h
    log += stay("fay", "h3", at(3, 8), at(3, 15), DischargeDisposition.TRANSFER)
    log.append(event(EnrollmentEnded(participant_id="fay", enrollment_id="e-fay", program_id=PROGRAM,
                                     ended_on=date(2026, 4, 1), reason="moved"), at(4, 1)))
    log += stay("gus", "h4", at(3, 12), at(3, 20)) + stay("gus", "h5", at(4, 10), at(4, 15))  # readmitted
    log += stay("gus", "ed", at(1, 20), at(1, 20, 16), kind=EncounterClass.EMERGENCY, psychiatric=False)
    log += [screen("dan", "sc1", at(3, 2), False), screen("eve", "sc2", at(3, 3), True)]
    log += case_events("eve", "k1", RiskLevel.HIGH, at(3, 3, 11), 300, True)
    log += case_events("gus", "k2", RiskLevel.IMMINENT, at(3, 21), 900, False, breached_level=1)
    log += [event(PeerProfileChanged(peer_id=PEER, program_id=PROGRAM, credential_type="CPSS",
                                     credential_expires_on=date(2026, 7, 15), caseload_cap=2,
                                     changed_at=at(1, 5)), at(1, 5))]
    log += [event(SupervisionLogged(supervision_id=f"sv{n}", peer_id=PEER, supervisor_id="sup", program_id=PROGRAM,
                                    held_on=date(2026, 3, d), minutes=m), at(3, d)) for n, (d, m) in
            enumerate([(5, 60), (19, 90)])]
    log += [event(GoalStatusChanged(participant_id=who, goal_id=goal, program_id=PROGRAM, domain="housing",
                                    status=status, changed_at=at(4, 1)), at(4, 1))
            for who, goal, status in [("eve", "g1", GoalStatus.ACHIEVED), ("dan", "g2", GoalStatus.ACTIVE),
                                      ("gus", "g3", GoalStatus.PROPOSED)]]
    return log


def figures(measures, family, key):
    return measures[family][key].as_dict()


def test_every_family_row_is_exactly_what_the_typed_answer_declares():
    """The read API's document (Measures) against real rows: extra="forbid", so a figure added to a
    family without its type in the schema fails here, and so does a declared one that is never sent."""
    phq9 = [event(AssessmentCompleted(participant_id="dan", assessment_id=f"a{n}", program_id=PROGRAM,
                                      instrument="phq9", instrument_version="1", item_scores={"1": score},
                                      total_score=score, band="mild", completed_at=when, administered_by=PEER), when)
            for n, (score, when) in enumerate([(12, at(3, 5)), (4, at(4, 5))])]
    rows = as_json(recompute(program_log() + phq9, load_policies(), AS_OF))
    assert set(rows) == set(FAMILIES) and all(rows.values())
    typed = Measures.model_validate({"organization_id": ORG, "program_id": None, "period": None, **rows})
    assert typed.model_dump(mode="json")["transitions"] == rows["transitions"]


def test_transitions_follow_fuh_rules():
    measures = recompute(program_log(), load_policies(), AS_OF)
    march = figures(measures, "transitions", (ORG, PROGRAM, "2026-03"))
    assert {k: march[k] for k in ("discharges", "excluded", "due_48h", "within_48h", "due_7d", "followed_7d",
                                  "due_30d", "followed_30d")} == dict(
        discharges=4, excluded=2, due_48h=2, within_48h=1, due_7d=2, followed_7d=1, due_30d=2, followed_30d=2)
    assert (march["rate_48h"], march["rate_7d"], march["rate_30d"]) == (0.5, 0.5, 1.0)
    april = figures(measures, "transitions", (ORG, PROGRAM, "2026-04"))
    assert (april["discharges"], april["excluded"], april["followed_30d"], april["due_30d"]) == (1, 0, 0, 1)
    assert (ORG, PROGRAM, "2026-01") not in measures["transitions"]  # not enrolled then


def test_hospital_use_before_and_after_enrollment_in_equal_windows():
    use = figures(recompute(program_log(), load_policies(), AS_OF), "hospitalization", (ORG, PROGRAM))
    assert use["window_days"] == 4 * 150
    assert (use["admissions_before"], use["admissions_after"]) == (1, 5)
    assert (use["inpatient_days_before"], use["inpatient_days_after"]) == (5, 31)
    assert (use["ed_visits_before"], use["ed_visits_after"]) == (1, 0)
    assert (use["discharges_due_30d"], use["readmitted_30d"], use["readmission_rate_30d"]) == (5, 1, 0.2)
    assert use["admissions_after_per_participant_year"] == round(5 / (600 / 365.25), 4)


def cancelled(who, encounter, step, admitted, when, kind=EncounterClass.INPATIENT, psychiatric=True):
    return event(HospitalEncounterCancelled(participant_id=who, encounter_id=encounter, cancelled=step,
                                            encounter_class=kind, psychiatric=psychiatric, admitted_at=admitted,
                                            cancelled_at=when), when)


def test_a_cancelled_admission_is_not_counted_and_a_cancelled_discharge_reopens_the_stay_in_any_order():
    baseline = recompute(program_log(), load_policies(), AS_OF)
    admitted = event(HospitalAdmitted(participant_id="eve", encounter_id="h9", encounter_class=EncounterClass.INPATIENT,
                                      psychiatric=True, admitted_at=at(5, 2)), at(5, 2))
    withdrawn = cancelled("eve", "h9", CancelledStep.ADMISSION, at(5, 2), at(5, 2, 14))  # ADT A11
    for log in (program_log() + [admitted, withdrawn], program_log() + [withdrawn, admitted]):  # a late copy too
        measures = recompute(log, load_policies(), AS_OF)
        assert measures["hospitalization"] == baseline["hospitalization"]
        assert measures["transitions"] == baseline["transitions"]
    # ADT A13 on gus's April stay: still an admission, no longer a discharge (nothing due, nothing readmitted)
    reopened = recompute(program_log() + [cancelled("gus", "h5", CancelledStep.DISCHARGE, at(4, 10), at(4, 16))],
                         load_policies(), AS_OF)
    use, before = (figures(m, "hospitalization", (ORG, PROGRAM)) for m in (reopened, baseline))
    assert use["admissions_after"] == before["admissions_after"]
    assert use["discharges_due_30d"] == before["discharges_due_30d"] - 1
    april = figures(reopened, "transitions", (ORG, PROGRAM, "2026-04")) \
        if (ORG, PROGRAM, "2026-04") in reopened["transitions"] else {"discharges": 0}
    assert april["discharges"] == 0


def test_safety_from_screens_and_escalation_cases():
    march = figures(recompute(program_log(), load_policies(), AS_OF), "safety", (ORG, PROGRAM, "2026-03"))
    assert (march["screens"], march["positive_screens"], march["positive_rate"]) == (2, 1, 0.5)
    assert march["cases_by_level"] == {"high": 1, "imminent": 1}
    assert (march["acknowledged"], march["within_deadline"], march["within_deadline_rate"]) == (2, 1, 0.5)
    assert (march["acknowledge_p50_s"], march["acknowledge_p90_s"], march["breached_cases"]) == (600.0, 840.0, 1)


def test_workforce_caseload_credentials_and_supervision():
    peer = figures(recompute(program_log(), load_policies(), AS_OF), "workforce", (ORG, PROGRAM, PEER))
    assert (peer["caseload"], peer["caseload_cap"], peer["over_cap"]) == (3, 2, True)  # fay's enrollment ended
    assert peer["credential_expiring"] is True
    assert peer["supervision_hours"] == {"2026-03": 2.5}


def test_cohort_first_session_retention_and_goals():
    measures = recompute(program_log(), load_policies(), AS_OF)
    cohort = figures(measures, "cohorts", (ORG, PROGRAM, "2026-02"))
    assert (cohort["enrollments"], cohort["started"], cohort["days_to_first_session"]) == (4, 1, [39])
    assert cohort["retention_eligible"] == {"30": 4, "90": 4} and cohort["retained"] == {"30": 4, "90": 3}
    goals = figures(measures, "goals", (ORG, PROGRAM))
    assert (goals["goals"], goals["achieved"], goals["completion_rate"]) == (2, 1, 0.5)


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=0, max_value=10))
def test_redelivered_and_reordered_events_change_nothing(rng, duplicates):
    log = program_log()
    expected = as_json(recompute(log, load_policies(), AS_OF))
    shuffled = log + [rng.choice(log) for _ in range(duplicates)]
    rng.shuffle(shuffled)
    assert as_json(recompute(shuffled, load_policies(), AS_OF)) == expected
