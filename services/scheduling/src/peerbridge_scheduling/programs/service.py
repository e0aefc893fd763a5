from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbridge_shared.web import not_found

from .models import Program, Site
from .schemas import ProgramCreate, SiteCreate


def create_program(*, session: Session, organization_id: str, data: ProgramCreate) -> Program:
    program = Program(organization_id=organization_id, **data.model_dump())
    session.add(program)
    session.flush()
    return program


def list_programs(*, session: Session, organization_id: str) -> list[Program]:
    return list(session.scalars(select(Program).where(Program.organization_id == organization_id)
                                .order_by(Program.name)))


def get_program(*, session: Session, organization_id: str, program_id: str, field: str = "path.program_id",
                status: int = 404) -> Program:
    """The organization's program; another tenant's program is reported as not found."""
    program = session.get(Program, program_id)
    if program is None or program.organization_id != organization_id:
        raise not_found(field, "program", program_id, status=status)
    return program


def create_site(*, session: Session, program: Program, data: SiteCreate) -> Site:
    site = Site(organization_id=program.organization_id, program_id=program.id, **data.model_dump())
    session.add(site)
    session.flush()
    return site


def get_site(*, session: Session, program: Program, site_id: str, field: str = "body.site_id") -> Site:
    """A site of ``program`` named in a request body (422 when it is not one)."""
    site = session.get(Site, site_id)
    if site is None or site.program_id != program.id:
        raise not_found(field, "site", site_id, status=422)
    return site
