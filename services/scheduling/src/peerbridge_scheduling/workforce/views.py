from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from ..deps import Caller, Db, Now, Paging
from . import service
from .schemas import (
    ClinicianCreate,
    ClinicianRead,
    PeerCreate,
    PeerRead,
    PeerStatus,
    SupervisionLogCreate,
    SupervisionLogRead,
    SupervisorCreate,
    SupervisorRead,
    TrainingCreate,
    TrainingRead,
)

router = APIRouter(tags=["workforce"])


@router.post("/supervisors", status_code=201)
def create_supervisor(body: SupervisorCreate, caller: Caller, db: Db) -> SupervisorRead:
    with db.transaction() as session:
        return SupervisorRead.model_validate(
            service.create_supervisor(session=session, organization_id=caller.organization_id, data=body))


@router.post("/clinicians", status_code=201)
def create_clinician(body: ClinicianCreate, caller: Caller, db: Db) -> ClinicianRead:
    with db.transaction() as session:
        return ClinicianRead.model_validate(
            service.create_clinician(session=session, organization_id=caller.organization_id, data=body))


@router.post("/peers", status_code=201)
def create_peer(body: PeerCreate, caller: Caller, db: Db, now: Now) -> PeerRead:
    with db.transaction() as session:
        return PeerRead.model_validate(service.create_peer(session=session, caller=caller, data=body, clock=now))


@router.get("/peers")
def list_peers(caller: Caller, db: Db, page: Paging, program_id: str | None = None) -> list[PeerRead]:
    with db.transaction() as session:
        peers = service.list_peers(session=session, organization_id=caller.organization_id, program_id=program_id)
        return [PeerRead.model_validate(peer) for peer in page.slice(peers)]


@router.get("/peers/{peer_id}")
def read_peer(peer_id: str, caller: Caller, db: Db) -> PeerRead:
    with db.transaction() as session:
        return PeerRead.model_validate(service.get_peer(session=session, organization_id=caller.organization_id,
                                                        peer_id=peer_id))


@router.post("/peers/{peer_id}/training", status_code=201)
def add_training(peer_id: str, body: TrainingCreate, caller: Caller, db: Db) -> TrainingRead:
    with db.transaction() as session:
        peer = service.get_peer(session=session, organization_id=caller.organization_id, peer_id=peer_id)
        return TrainingRead.model_validate(service.add_training(session=session, peer=peer, data=body))


@router.get("/peers/{peer_id}/training")
def list_training(peer_id: str, caller: Caller, db: Db, page: Paging) -> list[TrainingRead]:
    """The trainings the peer completed, most recent first."""
    with db.transaction() as session:
        peer = service.get_peer(session=session, organization_id=caller.organization_id, peer_id=peer_id)
        newest = sorted(peer.training, key=lambda record: (record.completed_on, record.id), reverse=True)
        return [TrainingRead.model_validate(record) for record in page.slice(newest)]


@router.get("/peers/{peer_id}/status")
def read_peer_status(peer_id: str, caller: Caller, db: Db, now: Now, on: date | None = None) -> PeerStatus:
    """Credential, supervision and mentoring status on a date (default today, UTC)."""
    with db.transaction() as session:
        peer = service.get_peer(session=session, organization_id=caller.organization_id, peer_id=peer_id)
        return service.peer_status(session=session, peer=peer, on=on or now().date())


@router.get("/peers/{peer_id}/supervision-logs")
def list_supervision_logs(peer_id: str, caller: Caller, db: Db, page: Paging) -> list[SupervisionLogRead]:
    """The supervision sessions logged for the peer (by anyone), the most recent first."""
    with db.transaction() as session:
        peer = service.get_peer(session=session, organization_id=caller.organization_id, peer_id=peer_id)
        return [SupervisionLogRead.model_validate(log) for log in service.supervision_logs(
            session=session, peer=peer, limit=page.limit, offset=page.offset)]


@router.post("/supervision-logs", status_code=201)
def log_supervision(body: SupervisionLogCreate, caller: Caller, db: Db, now: Now) -> SupervisionLogRead:
    with db.transaction() as session:
        return SupervisionLogRead.model_validate(service.log_supervision(session=session, caller=caller, data=body,
                                                                         clock=now))
