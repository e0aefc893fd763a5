from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peerbridge_shared.events.scheduling import ConsentChanged, ConsentKind, EnrollmentEnded, ParticipantEnrolled
from peerbridge_shared.identity import Identity, Role
from peerbridge_shared.web import Problem, not_found

from ..access import Reach, enrollment_clause
from ..deps import Clock, publish
from ..programs.models import Program
from ..programs.service import get_program, get_site
from ..workforce.service import get_clinician
from .models import Consent, Enrollment, Participant
from .schemas import ConsentCreate, EnrollmentCreate, EnrollmentEnd, ParticipantCreate


def create_participant(*, session: Session, organization_id: str, data: ParticipantCreate) -> Participant:
    participant = Participant(organization_id=organization_id, **data.model_dump())
    session.add(participant)
    session.flush()
    return participant


def get_participant(*, session: Session, organization_id: str, participant_id: str,
                    field: str = "path.participant_id", status: int = 404) -> Participant:
    participant = session.get(Participant, participant_id)
    if participant is None or participant.organization_id != organization_id:
        raise not_found(field, "participant", participant_id, status=status)
    return participant


def list_participants(*, session: Session, caller: Identity, program_ids: list[str] | None,
                      participant_ids: list[str] | None, peer_id: str | None, name: str | None,
                      limit: int, offset: int) -> list[Participant]:
    """The participants the caller works with through an active enrollment (in ``program_ids``, on
    ``peer_id``'s caseload), each word of ``name`` found in the given or family name whatever its
    case; by family then given name. A Part 2 disclosure consent opens records, never this list."""
    enrolled = select(Enrollment.participant_id).where(
        Enrollment.organization_id == caller.organization_id, Enrollment.ended_on.is_(None), enrollment_clause(caller))
    if program_ids:
        enrolled = enrolled.where(Enrollment.program_id.in_(program_ids))
    if peer_id is not None:
        enrolled = enrolled.where(Enrollment.peer_id == peer_id)
    query = select(Participant).where(Participant.organization_id == caller.organization_id,
                                      Participant.id.in_(enrolled))
    if participant_ids:
        query = query.where(Participant.id.in_(participant_ids))
    for word in (name or "").split():
        query = query.where(or_(Participant.given_name.icontains(word, autoescape=True),
                                Participant.family_name.icontains(word, autoescape=True)))
    order = (func.lower(Participant.family_name), func.lower(Participant.given_name), Participant.id)
    return list(session.scalars(query.order_by(*order).limit(limit).offset(offset)))


def record_consent(*, session: Session, caller: Identity, reach: Reach, data: ConsentCreate,
                   clock: Clock) -> Consent:
    program = get_program(session=session, organization_id=caller.organization_id, program_id=data.program_id,
                          field="body.program_id", status=422)
    reach.require_write(program.id)
    if data.kind is ConsentKind.PART2_DISCLOSURE:
        _check_part2_consent(session, caller, reach, program, data)
    elif data.recipient_program_ids or data.expires_at:
        raise Problem(422, "recipients and expiry belong to a part2_disclosure consent only",
                      field="body.recipient_program_ids", rule="part2_only")
    participant = reach.participant
    consent = Consent(organization_id=caller.organization_id, participant_id=participant.id, program_id=program.id,
                      kind=data.kind.value, granted=data.granted, effective_at=data.effective_at,
                      recorded_by=caller.actor, entered_by=caller.user_id if caller.on_behalf_of else None,
                      recipient_program_ids=sorted(set(data.recipient_program_ids)), expires_at=data.expires_at)
    session.add(consent)
    session.flush()
    publish(session, caller, ConsentChanged(participant_id=participant.id, program_id=program.id, consent=data.kind,
                                            granted=data.granted, effective_at=data.effective_at), clock)
    return consent


def _check_part2_consent(session: Session, caller: Identity, reach: Reach, program: Program,
                         data: ConsentCreate) -> None:
    """Only the Part 2 program's own staff grant or revoke it: a program admin reaching the program,
    or the participant's own clinician there."""
    if not program.substance_use_program:
        raise Problem(422, f"program {program.id} is not a 42 CFR Part 2 program", field="body.program_id",
                      rule="part2_program")
    enrollment = active_enrollment(session=session, participant_id=reach.participant.id, program_id=program.id)
    own_clinician_here = enrollment is not None and enrollment.clinician_id == caller.user_id
    if not own_clinician_here and not caller.has_any(Role.PROGRAM_ADMIN):
        raise Problem(403, "a Part 2 disclosure consent is recorded by the program's admin or the participant's own "
                           "clinician there", field="body.kind", rule="part2_program_staff")
    if data.granted and not data.recipient_program_ids:
        raise Problem(422, "name the programs the records may be disclosed to", field="body.recipient_program_ids",
                      rule="part2_recipients")
    for index, recipient in enumerate(data.recipient_program_ids):
        get_program(session=session, organization_id=caller.organization_id, program_id=recipient,
                    field=f"body.recipient_program_ids.{index}", status=422)
        if recipient == program.id:
            raise Problem(422, "a program does not disclose to itself", field=f"body.recipient_program_ids.{index}",
                          rule="part2_recipients")
    if data.expires_at is not None and data.expires_at <= data.effective_at:
        raise Problem(422, "a consent expires after it takes effect", field="body.expires_at", rule="after_start")


def current_consent(*, session: Session, participant_id: str, program_id: str, kind: ConsentKind) -> bool:
    """The latest consent of that kind for that program (no record: not granted)."""
    latest = session.scalar(
        select(Consent.granted)
        .where(Consent.participant_id == participant_id, Consent.program_id == program_id, Consent.kind == kind.value)
        .order_by(Consent.effective_at.desc(), Consent.created_at.desc())
        .limit(1))
    return bool(latest)


def enroll(*, session: Session, caller: Identity, data: EnrollmentCreate, clock: Clock) -> Enrollment:
    organization_id = caller.organization_id
    participant = get_participant(session=session, organization_id=organization_id,
                                  participant_id=data.participant_id, field="body.participant_id", status=422)
    program = get_program(session=session, organization_id=organization_id, program_id=data.program_id,
                          field="body.program_id", status=422)
    get_site(session=session, program=program, site_id=data.site_id)
    if data.clinician_id:
        get_clinician(session=session, organization_id=organization_id, clinician_id=data.clinician_id)
    if data.payer_id and data.payer_id not in program.payer_ids:
        raise Problem(422, f"payer {data.payer_id} is not one of the program's payers {program.payer_ids}",
                      field="body.payer_id", rule="program_payer")
    if not current_consent(session=session, participant_id=participant.id, program_id=program.id,
                           kind=ConsentKind.PROGRAM):
        raise Problem(422, "the participant has not consented to this program", field="body.participant_id",
                      rule="program_consent_required")
    enrollment = Enrollment(organization_id=organization_id, **data.model_dump())
    session.add(enrollment)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Problem(409, "the participant already has an active enrollment in this program",
                      field="body.participant_id", rule="one_active_enrollment") from None
    publish(session, caller, ParticipantEnrolled(
        participant_id=participant.id, enrollment_id=enrollment.id, program_id=program.id, site_id=data.site_id,
        enrolled_on=data.enrolled_on, payer_id=data.payer_id, referral_source=data.referral_source,
        authorized_units=data.authorized_units, clinician_id=data.clinician_id,
        preferred_language=participant.preferred_language, index_discharge_on=data.index_discharge_on,
        part2_program=program.substance_use_program), clock)
    return enrollment


def get_enrollment(*, session: Session, caller: Identity, enrollment_id: str) -> Enrollment:
    enrollment = session.scalars(select(Enrollment).where(
        Enrollment.id == enrollment_id, Enrollment.organization_id == caller.organization_id,
        enrollment_clause(caller))).first()
    if enrollment is None:
        raise not_found("path.enrollment_id", "enrollment", enrollment_id)
    return enrollment


def list_enrollments(*, session: Session, caller: Identity, participant_id: str | None, peer_id: str | None,
                     program_ids: list[str] | None, active: bool | None, limit: int, offset: int) -> list[Enrollment]:
    """The enrollments the caller works through, filtered (a peer's caseload: ``peer_id`` and ``active``)."""
    query = select(Enrollment).where(Enrollment.organization_id == caller.organization_id, enrollment_clause(caller))
    if participant_id is not None:
        query = query.where(Enrollment.participant_id == participant_id)
    if peer_id is not None:
        query = query.where(Enrollment.peer_id == peer_id)
    if program_ids:
        query = query.where(Enrollment.program_id.in_(program_ids))
    if active is not None:
        query = query.where(Enrollment.ended_on.is_(None) if active else Enrollment.ended_on.is_not(None))
    return list(session.scalars(query.order_by(Enrollment.enrolled_on.desc(), Enrollment.id).limit(limit)
                                .offset(offset)))


def end_enrollment(*, session: Session, caller: Identity, enrollment: Enrollment, data: EnrollmentEnd,
                   clock: Clock) -> Enrollment:
    if enrollment.ended_on is not None:
        raise Problem(409, f"enrollment already ended on {enrollment.ended_on}", rule="already_ended")
    if data.ended_on < enrollment.enrolled_on:
        raise Problem(422, "an enrollment cannot end before it started", field="body.ended_on", rule="after_start")
    enrollment.ended_on, enrollment.end_reason = data.ended_on, data.reason
    publish(session, caller, EnrollmentEnded(participant_id=enrollment.participant_id, enrollment_id=enrollment.id,
                                             program_id=enrollment.program_id, ended_on=data.ended_on,
                                             reason=data.reason), clock)
    return enrollment


def active_enrollment(*, session: Session, participant_id: str, program_id: str) -> Enrollment | None:
    return session.scalar(select(Enrollment).where(
        Enrollment.participant_id == participant_id, Enrollment.program_id == program_id,
        Enrollment.ended_on.is_(None)))


def own_clinician(*, session: Session, participant_id: str, program_id: str) -> str | None:
    """The clinician of the participant's active enrollment in the program (signals carry it)."""
    enrollment = active_enrollment(session=session, participant_id=participant_id, program_id=program_id)
    return enrollment.clinician_id if enrollment else None


def enrolled_program(*, session: Session, caller: Identity, reach: Reach, program_id: str) -> Program:
    """The program named in a request body: one the caller works in with the participant, who must
    be actively enrolled there."""
    program = get_program(session=session, organization_id=caller.organization_id, program_id=program_id,
                          field="body.program_id", status=422)
    reach.require_write(program.id)
    if active_enrollment(session=session, participant_id=reach.participant.id, program_id=program.id) is None:
        raise Problem(422, "the participant is not enrolled in this program", field="body.program_id", rule="enrolled")
    return program
