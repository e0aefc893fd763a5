from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peerbridge_shared.events.care import PeerProfileChanged, SupervisionLogged
from peerbridge_shared.identity import Identity
from peerbridge_shared.scope import acting_person, program_scope
from peerbridge_shared.web import Problem, not_found

from ..deps import Clock, publish
from ..programs.service import get_program
from .models import Clinician, Peer, SupervisionLog, Supervisor, TrainingRecord
from .schemas import (
    ClinicianCreate,
    PeerCreate,
    PeerStatus,
    SupervisionLogCreate,
    SupervisorCreate,
    TrainingCreate,
)

NEWLY_CERTIFIED_DAYS = 180


def _owned(session: Session, model: type, record_id: str | None, organization_id: str, *, field: str, kind: str,
           status: int = 422):
    record = session.get(model, record_id) if record_id else None
    if record is None or record.organization_id != organization_id:
        raise not_found(field, kind, record_id, status=status)
    return record


def get_peer(*, session: Session, organization_id: str, peer_id: str, field: str = "path.peer_id",
             status: int = 404) -> Peer:
    return _owned(session, Peer, peer_id, organization_id, field=field, kind="peer", status=status)


def get_supervisor(*, session: Session, organization_id: str, supervisor_id: str, field: str = "body.supervisor_id",
                   status: int = 422) -> Supervisor:
    return _owned(session, Supervisor, supervisor_id, organization_id, field=field, kind="supervisor", status=status)


def get_clinician(*, session: Session, organization_id: str, clinician_id: str, field: str = "body.clinician_id",
                  status: int = 422) -> Clinician:
    return _owned(session, Clinician, clinician_id, organization_id, field=field, kind="clinician", status=status)


def create_supervisor(*, session: Session, organization_id: str, data: SupervisorCreate) -> Supervisor:
    supervisor = Supervisor(organization_id=organization_id, **data.model_dump())
    session.add(supervisor)
    session.flush()
    return supervisor


def create_clinician(*, session: Session, organization_id: str, data: ClinicianCreate) -> Clinician:
    clinician = Clinician(organization_id=organization_id, **data.model_dump())
    session.add(clinician)
    session.flush()
    return clinician


def create_peer(*, session: Session, caller: Identity, data: PeerCreate, clock: Clock) -> Peer:
    organization_id = caller.organization_id
    program = get_program(session=session, organization_id=organization_id, program_id=data.program_id,
                          field="body.program_id", status=422)
    supervisor = get_supervisor(session=session, organization_id=organization_id, supervisor_id=data.supervisor_id)
    session.execute(select(Supervisor.id).where(Supervisor.id == supervisor.id).with_for_update())
    supervised = session.scalar(select(func.count()).where(Peer.supervisor_id == supervisor.id))
    if supervised >= supervisor.max_peers:
        raise Problem(422, f"supervisor {supervisor.id} already supervises {supervised} of "
                           f"{supervisor.max_peers} peers", field="body.supervisor_id", rule="supervisor_capacity")
    if data.mentor_id is not None:
        get_peer(session=session, organization_id=organization_id, peer_id=data.mentor_id, field="body.mentor_id",
                 status=422)
    values = data.model_dump()
    values["caseload_cap"] = data.caseload_cap or program.caseload_cap
    values["languages"] = [language.lower() for language in data.languages]
    peer = Peer(organization_id=organization_id, **values)
    session.add(peer)
    session.flush()
    publish(session, caller, PeerProfileChanged(
        peer_id=peer.id, program_id=peer.program_id, credential_type=peer.credential_type,
        credential_expires_on=peer.credential_expires_on, caseload_cap=peer.caseload_cap, changed_at=clock()), clock)
    return peer


def list_peers(*, session: Session, organization_id: str, program_id: str | None = None) -> list[Peer]:
    query = select(Peer).where(Peer.organization_id == organization_id).order_by(Peer.display_name)
    if program_id:
        query = query.where(Peer.program_id == program_id)
    return list(session.scalars(query))


def add_training(*, session: Session, peer: Peer, data: TrainingCreate) -> TrainingRecord:
    record = TrainingRecord(organization_id=peer.organization_id, peer_id=peer.id, **data.model_dump())
    session.add(record)
    session.flush()
    return record


def supervision_logs(*, session: Session, peer: Peer, limit: int, offset: int) -> list[SupervisionLog]:
    """The supervision sessions logged for the peer, the most recent first."""
    return list(session.scalars(select(SupervisionLog).where(SupervisionLog.peer_id == peer.id)
                                .order_by(SupervisionLog.held_on.desc(), SupervisionLog.created_at.desc(),
                                          SupervisionLog.id).limit(limit).offset(offset)))


def log_supervision(*, session: Session, caller: Identity, data: SupervisionLogCreate, clock: Clock) -> SupervisionLog:
    """Logged by the supervisor who held it; only the peer's supervisor of record counts for billing."""
    organization_id = caller.organization_id
    supervisor = get_supervisor(session=session, organization_id=organization_id,
                                supervisor_id=acting_person(caller, data.supervisor_id, "body.supervisor_id"))
    peer = get_peer(session=session, organization_id=organization_id, peer_id=data.peer_id, field="body.peer_id",
                    status=422)
    if not program_scope(caller).reaches(peer.program_id):
        raise not_found("body.peer_id", "peer", data.peer_id, status=422)
    if data.held_on > clock().date():
        raise Problem(422, "supervision cannot be logged for a future date", field="body.held_on", rule="not_future")
    log = SupervisionLog(organization_id=organization_id, program_id=peer.program_id,
                         **data.model_dump(exclude={"supervisor_id"}), supervisor_id=supervisor.id,
                         by_assigned_supervisor=peer.supervisor_id == supervisor.id,
                         entered_by=caller.user_id if caller.on_behalf_of else None)
    session.add(log)
    session.flush()
    publish(session, caller, SupervisionLogged(
        supervision_id=log.id, peer_id=peer.id, supervisor_id=supervisor.id, program_id=peer.program_id,
        held_on=log.held_on, minutes=log.minutes, cases_reviewed=log.cases_reviewed,
        by_assigned_supervisor=log.by_assigned_supervisor), clock)
    return log


def peer_status(*, session: Session, peer: Peer, on: date) -> PeerStatus:
    """Whether ``peer`` may deliver billable sessions on ``on``, and why not."""
    program = get_program(session=session, organization_id=peer.organization_id, program_id=peer.program_id)
    last = session.scalar(select(func.max(SupervisionLog.held_on))
                          .where(SupervisionLog.peer_id == peer.id, SupervisionLog.held_on <= on,
                                 SupervisionLog.by_assigned_supervisor.is_(True)))
    credential_valid = peer.credential_expires_on >= on
    supervision_current = last is not None and last > on - timedelta(days=program.supervision_interval_days)
    reasons = []
    if not credential_valid:
        reasons.append(f"credential expired on {peer.credential_expires_on.isoformat()}")
    if not supervision_current:
        reasons.append(f"no supervision in the {program.supervision_interval_days} days up to {on.isoformat()}")
    needs_mentor = peer.mentor_id is None and (on - peer.certified_on).days < NEWLY_CERTIFIED_DAYS
    return PeerStatus(
        peer_id=peer.id, on=on, credential_valid=credential_valid, supervision_current=supervision_current,
        last_supervision_on=last, needs_mentor=needs_mentor,
        can_deliver_billable_sessions=credential_valid and supervision_current, reasons=reasons,
        training_hours=float(sum(record.hours for record in peer.training)))
