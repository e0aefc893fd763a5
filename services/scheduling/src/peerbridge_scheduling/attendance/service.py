from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbridge_shared.events.care import AttendanceRecorded, AttendanceStatus
from peerbridge_shared.events.scheduling import SessionCompleted
from peerbridge_shared.identity import Identity
from peerbridge_shared.scope import acting_person
from peerbridge_shared.web import Problem

from ..deps import Clock, publish
from ..sessions.models import PeerSession
from ..sessions.service import COMPLETED, SCHEDULED
from .models import Attendance
from .schemas import ABSENT, AttendanceSubmit


def _validate(record: PeerSession, data: AttendanceSubmit, clock: Clock, already: set[str]) -> None:
    if record.status != SCHEDULED:
        raise Problem(409, f"session {record.id} is {record.status}; attendance is recorded once",
                      rule="scheduled_only")
    if record.starts_at > clock():
        raise Problem(422, "attendance cannot be recorded before the session starts", field="path.session_id",
                      rule="started")
    if data.facilitator_peer_id not in record.peer_ids:
        raise Problem(422, "the facilitator must be one of the session's peers", field="body.facilitator_peer_id",
                      rule="session_peer")
    duration = int((record.ends_at - record.starts_at).total_seconds() // 60)
    seen = set()
    for index, attendee in enumerate(data.records):
        field = f"body.records.{index}"
        if attendee.participant_id not in record.participant_ids:
            raise Problem(422, f"participant {attendee.participant_id} is not on this session",
                          field=f"{field}.participant_id", rule="session_participant")
        if attendee.participant_id in seen:
            raise Problem(422, f"participant {attendee.participant_id} is listed twice",
                          field=f"{field}.participant_id", rule="unique")
        seen.add(attendee.participant_id)
        if attendee.minutes_present > duration:
            raise Problem(422, f"at most {duration} minutes (the session's length)",
                          field=f"{field}.minutes_present", rule="session_length")
        if attendee.status in ABSENT and attendee.minutes_present:
            raise Problem(422, f"{attendee.status.value} means 0 minutes present", field=f"{field}.minutes_present",
                          rule="absent_minutes")
    missing = sorted(set(record.participant_ids) - seen - already)
    if missing:
        raise Problem(422, f"no record for participant(s) {', '.join(missing)}", field="body.records",
                      rule="complete_roster")


def record_attendance(*, session: Session, caller: Identity, record: PeerSession, data: AttendanceSubmit,
                      clock: Clock) -> list[Attendance]:
    """Every attendee's status, once per session; completes the session and publishes the facts.
    Participants already marked no-show automatically may be left out, or corrected."""
    existing = {row.participant_id: row for row in
                session.scalars(select(Attendance).where(Attendance.session_id == record.id))}
    acting_person(caller, data.facilitator_peer_id, "body.facilitator_peer_id")
    _validate(record, data, clock, set(existing))
    rows = []
    for attendee in data.records:
        row = existing.get(attendee.participant_id)
        if row is None:
            row = Attendance(session_id=record.id, participant_id=attendee.participant_id,
                             organization_id=record.organization_id)
            session.add(row)
        row.status, row.minutes_present, row.recorded_by = (attendee.status.value, attendee.minutes_present,
                                                            caller.user_id)
        rows.append(row)
        publish(session, caller, AttendanceRecorded(
            participant_id=attendee.participant_id, session_id=record.id, program_id=record.program_id,
            site_id=record.site_id, peer_id=data.facilitator_peer_id, session_kind=record.kind,
            status=attendee.status, minutes_present=attendee.minutes_present,
            session_starts_at=record.starts_at), clock)
    rows += [row for participant_id, row in existing.items()
             if participant_id not in {a.participant_id for a in data.records}]
    record.status = COMPLETED
    present = sum(1 for row in rows if AttendanceStatus(row.status) not in ABSENT)
    publish(session, caller, SessionCompleted(
        session_id=record.id, program_id=record.program_id, site_id=record.site_id, kind=record.kind,
        modality=record.modality, place_of_service=record.place_of_service,
        facilitator_peer_id=data.facilitator_peer_id, started_at=record.starts_at, ended_at=record.ends_at,
        attendee_count=present), clock)
    session.flush()
    return rows
