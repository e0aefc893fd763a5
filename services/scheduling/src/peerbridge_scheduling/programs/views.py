from __future__ import annotations

from fastapi import APIRouter

from ..deps import Caller, Db, Paging
from . import service
from .schemas import ProgramCreate, ProgramRead, SiteCreate, SiteRead

router = APIRouter(prefix="/programs", tags=["programs"])


@router.post("", status_code=201)
def create_program(body: ProgramCreate, caller: Caller, db: Db) -> ProgramRead:
    with db.transaction() as session:
        program = service.create_program(session=session, organization_id=caller.organization_id, data=body)
        return ProgramRead.model_validate(program)


@router.get("")
def list_programs(caller: Caller, db: Db, page: Paging) -> list[ProgramRead]:
    with db.transaction() as session:
        return [ProgramRead.model_validate(p)
                for p in page.slice(service.list_programs(session=session, organization_id=caller.organization_id))]


@router.get("/{program_id}")
def read_program(program_id: str, caller: Caller, db: Db) -> ProgramRead:
    with db.transaction() as session:
        return ProgramRead.model_validate(service.get_program(
            session=session, organization_id=caller.organization_id, program_id=program_id))


@router.post("/{program_id}/sites", status_code=201)
def create_site(program_id: str, body: SiteCreate, caller: Caller, db: Db) -> SiteRead:
    with db.transaction() as session:
        program = service.get_program(session=session, organization_id=caller.organization_id, program_id=program_id)
        return SiteRead.model_validate(service.create_site(session=session, program=program, data=body))


@router.get("/{program_id}/sites")
def list_sites(program_id: str, caller: Caller, db: Db, page: Paging) -> list[SiteRead]:
    with db.transaction() as session:
        program = service.get_program(session=session, organization_id=caller.organization_id, program_id=program_id)
        return [SiteRead.model_validate(site) for site in page.slice(program.sites)]
