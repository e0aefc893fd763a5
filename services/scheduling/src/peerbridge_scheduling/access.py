"""Which participant-level records a caller may see or write: scheduling's one scope filter.

Every record of a participant belongs to the program it was made in. A caller works with a
participant in a program when ``peerbridge_shared.scope`` gives them that program and (for peers
and supervisors) the participant is on their caseload there. They see and write that program's
records. A 42 CFR Part 2 program's records are seen elsewhere only while the participant's Part 2
disclosure consent names the reader's program; such records carry the redisclosure notice and are
never written to from outside. Outside all of this a record answers 404, like one that does not
exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from peerbridge_shared.events.scheduling import ConsentKind
from peerbridge_shared.identity import Identity, Role
from peerbridge_shared.scope import ProgramScope, program_scope
from peerbridge_shared.web import Problem, not_found

from .participants.models import Consent, Enrollment, Participant
from .programs.models import Program
from .sessions.models import PeerSession, SessionPeer
from .workforce.models import Peer

REDISCLOSURE_NOTICE = (
    "This record which has been disclosed to you is protected by Federal confidentiality rules (42 CFR part 2). "
    "These rules prohibit you from using or disclosing this record, or testimony that describes the information "
    "contained in this record, in any civil, criminal, administrative, or legislative proceedings by any Federal, "
    "State, or local authority, against the patient, unless authorized by the consent of the patient, except as "
    "provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In addition, "
    "the Federal rules prohibit you from making any other use or disclosure of this record unless at least one of "
    "the following applies: (i) Further use or disclosure is expressly permitted by the written consent of the "
    "individual whose information is being disclosed in this record or as otherwise permitted by 42 CFR part 2. "
    "(ii) You are a covered entity or business associate and have received the record for treatment, payment, or "
    "health care operations, or (iii) You have received the record from a covered entity or business associate as "
    "permitted by 45 CFR part 164, subparts A and E. A general authorization for the release of medical or other "
    "information is NOT sufficient to meet the required elements of written consent to further use or redisclose "
    "the record (see 42 CFR 2.31).")
"""42 CFR 2.32(a)(1), the statement every disclosure under a Part 2 consent carries."""


def _scope(caller: Identity, role: Role) -> ProgramScope:
    return program_scope(caller, {role})


def enrollment_clause(caller: Identity) -> ColumnElement[bool]:
    """The enrollments through which the caller works with a participant."""
    me = caller.user_id
    supervised = select(Peer.id).where(Peer.supervisor_id == me, Peer.organization_id == caller.organization_id)
    return or_(
        _scope(caller, Role.PROGRAM_ADMIN).clause(Enrollment.program_id) if caller.has_any(Role.PROGRAM_ADMIN)
        else false(),
        _scope(caller, Role.CLINICIAN).clause(Enrollment.program_id) if caller.has_any(Role.CLINICIAN) else false(),
        and_(_scope(caller, Role.SUPERVISOR).clause(Enrollment.program_id), Enrollment.peer_id.in_(supervised))
        if caller.has_any(Role.SUPERVISOR) else false(),
        and_(_scope(caller, Role.PEER).clause(Enrollment.program_id), Enrollment.peer_id == me,
             Enrollment.ended_on.is_(None)) if caller.has_any(Role.PEER) else false(),
    )


def session_clause(caller: Identity) -> ColumnElement[bool]:
    """The sessions the caller sees: their programs' (program admins, clinicians, supervisors), or
    those they facilitate (peers)."""
    facilitates = exists().where(SessionPeer.session_id == PeerSession.id, SessionPeer.peer_id == caller.user_id)
    staff = program_scope(caller, {Role.PROGRAM_ADMIN, Role.CLINICIAN, Role.SUPERVISOR})
    peer = and_(_scope(caller, Role.PEER).clause(PeerSession.program_id), facilitates) \
        if caller.has_any(Role.PEER) else false()
    return or_(staff.clause(PeerSession.program_id), peer)


@dataclass(frozen=True)
class Reach:
    """What the caller may do with one participant's records."""

    participant: Participant
    own: ProgramScope
    """Programs in which the caller works with the participant: read and write."""
    disclosed: frozenset[str]
    """Part 2 programs whose records a disclosure consent in force opens to the caller (read only)."""

    def can_read(self, program_id: str) -> bool:
        return self.own.reaches(program_id) or program_id in self.disclosed

    def readable(self, column: ColumnElement) -> ColumnElement[bool]:
        return or_(self.own.clause(column), column.in_(sorted(self.disclosed))) if self.disclosed \
            else self.own.clause(column)

    def require_write(self, program_id: str, field: str = "body.program_id") -> None:
        if not self.own.reaches(program_id):
            raise Problem(403, f"you do not work with this participant in program {program_id}", field=field,
                          rule="your_programs")

    def notice(self, program_id: str) -> str | None:
        """The redisclosure notice, for a record read under a Part 2 disclosure consent."""
        return REDISCLOSURE_NOTICE if program_id in self.disclosed and not self.own.reaches(program_id) else None


def reach(*, session: Session, caller: Identity, participant_id: str, now: datetime,
          field: str = "path.participant_id") -> Reach:
    """The caller's reach on a participant of their organization, or 404."""
    participant = session.get(Participant, participant_id)
    if participant is None or participant.organization_id != caller.organization_id:
        raise not_found(field, "participant", participant_id)
    worked_in = frozenset(session.scalars(select(Enrollment.program_id).distinct().where(
        Enrollment.participant_id == participant.id, enrollment_clause(caller))))
    admin = _scope(caller, Role.PROGRAM_ADMIN) if caller.has_any(Role.PROGRAM_ADMIN) \
        else ProgramScope(False, frozenset())
    own = ProgramScope(admin.every_program, admin.programs | worked_in)
    if not own.every_program and not own.programs:
        raise not_found(field, "participant", participant_id)
    disclosed = frozenset() if own.every_program else _disclosed(session, participant, own.programs, now)
    return Reach(participant, own, disclosed)


def _disclosed(session: Session, participant: Participant, readers: frozenset[str], now: datetime) -> frozenset[str]:
    part2 = session.scalars(select(Program.id).distinct().join(Enrollment, Enrollment.program_id == Program.id).where(
        Enrollment.participant_id == participant.id, Program.substance_use_program.is_(True),
        Program.id.not_in(sorted(readers))))
    return frozenset(program for program in part2
                     if readers & disclosure_recipients(session, participant.id, program, now))


def disclosure_recipients(session: Session, participant_id: str, program_id: str, now: datetime) -> frozenset[str]:
    """The programs the participant's Part 2 consent in force at ``now`` discloses to (none: empty)."""
    latest = session.scalars(select(Consent).where(
        Consent.participant_id == participant_id, Consent.program_id == program_id,
        Consent.kind == ConsentKind.PART2_DISCLOSURE.value, Consent.effective_at <= now)
        .order_by(Consent.effective_at.desc(), Consent.created_at.desc()).limit(1)).first()
    if latest is None or not latest.granted or (latest.expires_at is not None and latest.expires_at <= now):
        return frozenset()
    return frozenset(latest.recipient_program_ids or [])


class Disclosable(BaseModel):
    """A record read model: carries the redisclosure notice when read under a Part 2 consent."""

    redisclosure_notice: str | None = Field(
        default=None, description="set when the record is disclosed under a 42 CFR Part 2 consent: the notice "
                                  "42 CFR 2.32 requires to travel with it")


D = TypeVar("D", bound=Disclosable)


def read_as(model: type[D], record: object, reach: Reach) -> D:
    """``record`` as ``model``, with the notice if the caller reads it under a disclosure consent."""
    read = model.model_validate(record)
    read.redisclosure_notice = reach.notice(read.program_id)  # type: ignore[attr-defined]
    return read


def reach_record(*, session: Session, caller: Identity, record: object, now: datetime, field: str, kind: str,
                 write: bool = False) -> Reach:
    """The caller's reach on the participant of a record fetched by its id (``participant_id`` and
    ``program_id`` attributes); 404 unless the caller may read it (``write``: write to it)."""
    record_id = getattr(record, "id", None)
    try:
        found = reach(session=session, caller=caller, participant_id=record.participant_id, now=now)  # type: ignore[attr-defined]
    except Problem:
        raise not_found(field, kind, record_id) from None
    allowed = found.own.reaches(record.program_id) if write else found.can_read(record.program_id)  # type: ignore[attr-defined]
    if not allowed:
        raise not_found(field, kind, record_id)
    return found
