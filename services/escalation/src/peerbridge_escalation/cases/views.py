from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from peerbridge_shared.deps import Caller, Db, Now, Paging

from ..audit.service import verify
from . import service
from .safety_plan import fetch_safety_plan
from .schemas import CaseRead, CaseView, ChainCheck, ContactMade, Reassign, Resolve, TimelineEntry

router = APIRouter(tags=["cases"])


@router.get("/cases")
def list_cases(caller: Caller, db: Db, page: Paging,
               status: Annotated[str | None, Query(pattern="^(open|acknowledged|resolved)$")] = None) -> list[CaseRead]:
    with db.transaction() as session:
        return [CaseRead.model_validate(c) for c in service.list_cases(session=session, caller=caller, status=status,
                                                                        limit=page.limit, offset=page.offset)]


@router.get("/cases/{case_id}")
def read_case(case_id: str, caller: Caller, db: Db, now: Now, request: Request) -> CaseView:
    """The case with every signal and the rule that classified it, and the participant's safety plan;
    the view is audited."""
    with db.transaction() as session:
        record = service.view_case(session=session, caller=caller, case_id=case_id, clock=now)
        case, dispositions = CaseRead.model_validate(record), service.dispositions_of(record)
    plan, error = fetch_safety_plan(request.app.state.settings, caller, case.participant_id, case.program_id)
    return CaseView(**case.model_dump(), safety_plan=plan, safety_plan_error=error, dispositions=dispositions)


@router.get("/cases/{case_id}/timeline")
def case_timeline(case_id: str, caller: Caller, db: Db, page: Paging) -> list[TimelineEntry]:
    """Who was paged by which channel, delivered or failed, escalations and breaches, acknowledgement,
    contact, reassignment and resolution: the case's audit trail, oldest first."""
    with db.transaction() as session:
        return [TimelineEntry.model_validate(entry) for entry in
                service.timeline(session=session, caller=caller, case_id=case_id, page=page)]


@router.post("/cases/{case_id}/contact-made")
def contact_made(case_id: str, body: ContactMade, caller: Caller, db: Db, now: Now) -> CaseRead:
    with db.transaction() as session:
        return CaseRead.model_validate(service.contact_made(session=session, caller=caller, case_id=case_id,
                                                            data=body, clock=now))


@router.post("/cases/{case_id}/reassign")
def reassign(case_id: str, body: Reassign, caller: Caller, db: Db, now: Now) -> CaseRead:
    with db.transaction() as session:
        return CaseRead.model_validate(service.reassign(session=session, caller=caller, case_id=case_id, data=body,
                                                        clock=now))


@router.post("/cases/{case_id}/acknowledge")
def acknowledge(case_id: str, caller: Caller, db: Db, now: Now) -> CaseRead:
    with db.transaction() as session:
        return CaseRead.model_validate(service.acknowledge(session=session, caller=caller, case_id=case_id, clock=now))


@router.post("/cases/{case_id}/resolve")
def resolve(case_id: str, body: Resolve, caller: Caller, db: Db, now: Now) -> CaseRead:
    """Close the case with a disposition code and a note (cases are never closed automatically)."""
    with db.transaction() as session:
        return CaseRead.model_validate(service.resolve(session=session, caller=caller, case_id=case_id, data=body,
                                                       clock=now))


@router.get("/audit/verify")
def verify_audit(caller: Caller, db: Db) -> ChainCheck:
    """Walk the organization's audit chain and report the first entry that does not match."""
    with db.transaction() as session:
        result = verify(session, organization_id=caller.organization_id)
        return ChainCheck(entries=result.entries, valid=result.valid, first_broken_id=result.first_broken_id,
                          reason=result.reason)
