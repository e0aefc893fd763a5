from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from peerbridge_shared.events.scheduling import (
    SessionCancelled,
    SessionKind,
    SessionRescheduled,
    SessionScheduled,
)
from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem, not_found

from ..access import session_clause
from ..deps import Clock, publish
from ..participants.service import active_enrollment, get_participant
from ..programs.models import Program
from ..programs.service import get_program, get_site
from ..workforce.service import get_peer
from .models import PeerSession, SessionParticipant, SessionPeer, SessionSeries
from .recurrence import RecurrenceError, expand
from .schemas import Cancel, Reschedule, SeriesCreate, SessionCreate, SessionDetails, SessionRead

SCHEDULED, CANCELLED, COMPLETED = "scheduled", "cancelled", "completed"


def get_session(*, session: Session, caller: Identity, session_id: str) -> PeerSession:
    found = session.scalars(select(PeerSession).where(
        PeerSession.id == session_id, PeerSession.organization_id == caller.organization_id,
        session_clause(caller))).first()
    if found is None:
        raise not_found("path.session_id", "session", session_id)
    return found


def list_sessions(*, session: Session, caller: Identity, program_id: str | None, starts_from: datetime | None,
                  starts_before: datetime | None, participant_id: str | None, peer_id: str | None,
                  limit: int, offset: int) -> list[PeerSession]:
    query = select(PeerSession).where(PeerSession.organization_id == caller.organization_id, session_clause(caller))
    if program_id:
        query = query.where(PeerSession.program_id == program_id)
    if starts_from:
        query = query.where(PeerSession.starts_at >= starts_from)
    if starts_before:
        query = query.where(PeerSession.starts_at < starts_before)
    if participant_id:
        query = query.where(PeerSession.participants.any(SessionParticipant.participant_id == participant_id))
    if peer_id:
        query = query.where(PeerSession.peers.any(SessionPeer.peer_id == peer_id))
    return list(session.scalars(query.order_by(PeerSession.starts_at, PeerSession.id).limit(limit).offset(offset)))


def _capacity(program: Program, details: SessionDetails) -> int:
    if details.kind == SessionKind.ONE_TO_ONE:
        if len(details.participant_ids) != 1 or len(details.peer_ids) != 1:
            raise Problem(422, "a one-to-one session has exactly one peer and one participant",
                          field="body.participant_ids", rule="one_to_one")
        return 1
    most = program.group_capacity * len(details.peer_ids)
    capacity = details.capacity or most
    if capacity > most:
        raise Problem(422, f"{len(details.peer_ids)} facilitator(s) may hold at most {most} participants",
                      field="body.capacity", rule="facilitator_ratio")
    if len(details.participant_ids) > capacity:
        raise Problem(422, f"{len(details.participant_ids)} participants exceed the capacity of {capacity}",
                      field="body.participant_ids", rule="capacity")
    return capacity


def _check_people(session: Session, organization_id: str, program: Program, details: SessionDetails) -> None:
    for index, peer_id in enumerate(details.peer_ids):
        peer = get_peer(session=session, organization_id=organization_id, peer_id=peer_id,
                        field=f"body.peer_ids.{index}", status=422)
        if peer.program_id != program.id:
            raise Problem(422, f"peer {peer_id} does not work in this program", field=f"body.peer_ids.{index}",
                          rule="same_program")
    for index, participant_id in enumerate(details.participant_ids):
        get_participant(session=session, organization_id=organization_id, participant_id=participant_id,
                        field=f"body.participant_ids.{index}", status=422)
        if active_enrollment(session=session, participant_id=participant_id, program_id=program.id) is None:
            raise Problem(422, f"participant {participant_id} is not enrolled in this program",
                          field=f"body.participant_ids.{index}", rule="enrolled")


def _lock_people(session: Session, people: Iterable[str]) -> None:
    """Serialize bookings per person, in a fixed order, so two requests cannot double-book."""
    for person in sorted(set(people)):
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(person, 0))))


def _raise_if_conflict(session: Session, *, peer_ids: list[str], participant_ids: list[str], starts_at: datetime,
                       ends_at: datetime, exclude: str | None = None) -> None:
    query = select(PeerSession).where(
        PeerSession.status == SCHEDULED, PeerSession.starts_at < ends_at, PeerSession.ends_at > starts_at,
        or_(PeerSession.peers.any(SessionPeer.peer_id.in_(peer_ids)),
            PeerSession.participants.any(SessionParticipant.participant_id.in_(participant_ids))))
    if exclude:
        query = query.where(PeerSession.id != exclude)
    conflict = session.scalars(query.order_by(PeerSession.starts_at).limit(1)).first()
    if conflict is None:
        return
    clash = "peer" if set(conflict.peer_ids) & set(peer_ids) else "participant"
    people = sorted((set(conflict.peer_ids) & set(peer_ids)) | (set(conflict.participant_ids) & set(participant_ids)))
    raise Problem(409, f"{clash} {', '.join(people)} is already booked from {conflict.starts_at.isoformat()} "
                       f"to {conflict.ends_at.isoformat()}", field=f"body.{clash}_ids", rule="no_double_booking",
                  conflicting_session=SessionRead.model_validate(conflict).model_dump(mode="json"))


def _scheduled_event(record: PeerSession) -> SessionScheduled:
    return SessionScheduled(
        session_id=record.id, program_id=record.program_id, site_id=record.site_id, kind=record.kind,
        modality=record.modality, place_of_service=record.place_of_service, starts_at=record.starts_at,
        ends_at=record.ends_at, peer_ids=record.peer_ids, participant_ids=record.participant_ids,
        capacity=record.capacity, series_id=record.series_id, interpreter_booked=record.interpreter_booked)


def _book(session: Session, caller: Identity, program: Program, details: SessionDetails, capacity: int,
          place_of_service: str, starts_at: datetime, ends_at: datetime, clock: Clock,
          series_id: str | None = None) -> PeerSession:
    _raise_if_conflict(session, peer_ids=details.peer_ids, participant_ids=details.participant_ids,
                       starts_at=starts_at, ends_at=ends_at)
    record = PeerSession(
        organization_id=caller.organization_id, program_id=program.id, site_id=details.site_id, series_id=series_id,
        kind=details.kind.value, modality=details.modality.value, place_of_service=place_of_service,
        starts_at=starts_at, ends_at=ends_at, capacity=capacity, interpreter_booked=details.interpreter_booked,
        peers=[SessionPeer(peer_id=p) for p in dict.fromkeys(details.peer_ids)],
        participants=[SessionParticipant(participant_id=p) for p in dict.fromkeys(details.participant_ids)])
    session.add(record)
    session.flush()
    publish(session, caller, _scheduled_event(record), clock)
    return record


def _prepare(session: Session, caller: Identity, details: SessionDetails) -> tuple[Program, int, str]:
    program = get_program(session=session, organization_id=caller.organization_id, program_id=details.program_id,
                          field="body.program_id", status=422)
    site = get_site(session=session, program=program, site_id=details.site_id)
    capacity = _capacity(program, details)
    _check_people(session, caller.organization_id, program, details)
    _lock_people(session, [*details.peer_ids, *details.participant_ids])
    return program, capacity, details.place_of_service or site.place_of_service


def create_session(*, session: Session, caller: Identity, data: SessionCreate, clock: Clock) -> PeerSession:
    program, capacity, place = _prepare(session, caller, data)
    return _book(session, caller, program, data, capacity, place, data.starts_at, data.ends_at, clock)


def create_series(*, session: Session, caller: Identity, data: SeriesCreate, clock: Clock
                  ) -> tuple[SessionSeries, list[PeerSession]]:
    program, capacity, place = _prepare(session, caller, data)
    zone = ZoneInfo(program.time_zone)
    try:
        starts = expand(data.rrule, data.first_local_start, zone)
    except RecurrenceError as exc:
        raise Problem(422, str(exc), field="body.rrule", rule="rrule") from None
    series = SessionSeries(organization_id=caller.organization_id, program_id=program.id, rrule=data.rrule,
                           first_local_start=data.first_local_start, time_zone=program.time_zone,
                           duration_minutes=data.duration_minutes)
    session.add(series)
    session.flush()
    length = timedelta(minutes=data.duration_minutes)
    booked = [_book(session, caller, program, data, capacity, place, start, start + length, clock, series.id)
              for start in starts]
    return series, booked


def _require_scheduled(record: PeerSession) -> None:
    if record.status != SCHEDULED:
        raise Problem(409, f"session {record.id} is {record.status}", rule="scheduled_only")


def reschedule(*, session: Session, caller: Identity, record: PeerSession, data: Reschedule, clock: Clock
               ) -> PeerSession:
    _require_scheduled(record)
    _lock_people(session, [*record.peer_ids, *record.participant_ids])
    _raise_if_conflict(session, peer_ids=record.peer_ids, participant_ids=record.participant_ids,
                       starts_at=data.starts_at, ends_at=data.ends_at, exclude=record.id)
    previous = (record.starts_at, record.ends_at)
    record.starts_at, record.ends_at = data.starts_at, data.ends_at
    publish(session, caller, SessionRescheduled(
        session_id=record.id, program_id=record.program_id, starts_at=data.starts_at, ends_at=data.ends_at,
        previous_starts_at=previous[0], previous_ends_at=previous[1], reason=data.reason), clock)
    return record


def cancel(*, session: Session, caller: Identity, record: PeerSession, data: Cancel, clock: Clock) -> PeerSession:
    _require_scheduled(record)
    record.status, record.cancel_reason, record.cancelled_by = CANCELLED, data.reason, data.cancelled_by.value
    publish(session, caller, SessionCancelled(session_id=record.id, program_id=record.program_id,
                                              cancelled_by=data.cancelled_by, reason=data.reason,
                                              cancelled_at=clock()), clock)
    return record
