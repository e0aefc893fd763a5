"""The measures from a raw event log: hand-checked on a small program, and unchanged when the
log is redelivered, reordered or late (property-based)."""

import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from peerbridge_metrics.billing.rules import load_policies
from peerbridge_metrics.measures import as_json
from peerbridge_metrics.reference import recompute
from peerbridge_shared.events import Envelope
from peerbridge_shared.events.care import (
    AssessmentCompleted,
    AttendanceRecorded,
    AttendanceStatus,
    PeerContactDocumented,
)
from peerbridge_shared.events.scheduling import EnrollmentEnded, Modality, ParticipantEnrolled, SessionKind

ORG, PROGRAM = "org-1", "prog-1"
T = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
AS_OF = date(2026, 6, 30)


def event(data, at):
    return Envelope(data=data, tenant=ORG, source="/test", subject=data.participant_id, id=str(uuid.uuid4()),
                    time=at)


def enrolled(participant, authorized=None):
    return event(ParticipantEnrolled(participant_id=participant, enrollment_id=f"e-{participant}", program_id=PROGRAM,
                                     site_id="s", enrolled_on=date(2026, 3, 1), payer_id="medicaid-nc",
                                     authorized_units=authorized), T - timedelta(days=9))


def contact(participant, cid, minutes, at, signed):
    return event(PeerContactDocumented(
        participant_id=participant, contact_id=cid, program_id=PROGRAM, peer_id="peer",
        session_kind=SessionKind.ONE_TO_ONE, modality=Modality.IN_PERSON, place_of_service="53",
        payer_id="medicaid-nc", occurred_at=at,
        face_to_face_minutes=minutes, note_signed_at=at + timedelta(hours=1) if signed else None,
        peer_credential_valid=True, peer_supervision_current=True, enrollment_active=True),
        at + timedelta(hours=2 if signed else 0))


def attendance(participant, session, status, at, recorded):
    return event(AttendanceRecorded(participant_id=participant, session_id=session, program_id=PROGRAM, site_id="s",
                                    peer_id="peer", session_kind=SessionKind.GROUP, status=status,
                                    minutes_present=0 if status == AttendanceStatus.NO_SHOW else 60,
                                    session_starts_at=at), recorded)


def phq9(participant, aid, total, band, at):
    return event(AssessmentCompleted(participant_id=participant, assessment_id=aid, program_id=PROGRAM,
                                     instrument="phq9", instrument_version="1", item_scores={}, total_score=total,
                                     band=band, completed_at=at, administered_by="peer"), at)


def program_log():
    april = T + timedelta(days=25)
    return [
        enrolled("ana"), enrolled("ben", authorized=4), enrolled("cy"),
        contact("ana", "c1", 38, T, signed=False),   # unsigned first...
        contact("ana", "c1", 38, T, signed=True),    # ...then signed: 3 units
        contact("ben", "c2", 68, T, signed=True),    # 5 units wanted, 4 authorized
        contact("cy", "c3", 20, T, signed=False),    # never signed: 20 non-billable minutes
        contact("ana", "c4", 23, april, signed=True),  # April: 2 units
        attendance("ana", "g1", AttendanceStatus.ATTENDED, T, T),
        attendance("ben", "g1", AttendanceStatus.NO_SHOW, T, T + timedelta(minutes=16)),   # automatic no-show...
        attendance("ben", "g1", AttendanceStatus.LATE, T, T + timedelta(minutes=70)),      # ...corrected later
        attendance("cy", "g1", AttendanceStatus.NO_SHOW, T, T + timedelta(minutes=16)),
        attendance("ana", "g2", AttendanceStatus.ATTENDED, april, april),
        phq9("ana", "a1", 16, "moderately severe", T), phq9("ana", "a2", 7, "mild", april),
        phq9("ben", "a3", 12, "moderate", T), phq9("ben", "a4", 4, "minimal", april),
        phq9("cy", "a5", 10, "moderate", T),
        event(EnrollmentEnded(participant_id="cy", enrollment_id="e-cy", program_id=PROGRAM, ended_on=date(2026, 3, 31),
                              reason="moved"), T + timedelta(days=21)),
    ]


def test_hand_checked_measures_of_a_small_program():
    measures = recompute(program_log(), load_policies(), AS_OF)
    march = measures["engagement"][(ORG, PROGRAM, "2026-03")]
    assert (march.active_participants, march.sessions_attended, march.no_shows) == (2, 2, 1)
    figures = march.as_dict()
    assert figures["attendance_rate"] == 0.6667 and figures["sessions_per_participant"] == 1.0
    assert figures["active_by_site"] == {"s": 2}
    billed = measures["reimbursement"][(ORG, PROGRAM, "medicaid-nc", "2026-03")]
    assert (billed.units, billed.amount) == (7, 83.79)
    assert billed.non_billable_minutes == {"unsigned_note": 20, "authorized_units_used": 15}
    assert measures["reimbursement"][(ORG, PROGRAM, "medicaid-nc", "2026-04")].units == 2
    phq = measures["questionnaires"][(ORG, PROGRAM, "phq9")].as_dict()
    assert (phq["completions"], phq["participants"], phq["with_follow_up"]) == (5, 3, 2)
    assert (phq["mean_change"], phq["response_rate"], phq["remission_rate"]) == (-8.5, 1.0, 0.5)
    assert phq["latest_bands"] == {"mild": 1, "minimal": 1, "moderate": 1}


@settings(max_examples=100, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=0, max_value=8))
def test_redelivered_reordered_and_late_events_change_nothing(rng, duplicates):
    log = program_log()
    expected = as_json(recompute(log, load_policies(), AS_OF))
    shuffled = log + [rng.choice(log) for _ in range(duplicates)]
    rng.shuffle(shuffled)
    assert as_json(recompute(shuffled, load_policies(), AS_OF)) == expected
