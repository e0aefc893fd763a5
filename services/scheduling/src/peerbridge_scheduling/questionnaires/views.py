from __future__ import annotations

from fastapi import APIRouter

from ..access import reach, read_as
from ..deps import Caller, Db, Now, Paging
from . import service
from .definitions import InstrumentDefinition
from .schemas import ResponseCreate, ResponseRead

router = APIRouter(tags=["questionnaires"])


@router.get("/instruments")
def list_instruments(caller: Caller, db: Db, page: Paging) -> list[InstrumentDefinition]:
    """The latest version of every instrument: built-in ones and those the organization added."""
    with db.transaction() as session:
        found = service.instruments(session=session, organization_id=caller.organization_id)
        return page.slice([versions[-1] for _, versions in sorted(found.items())])


@router.get("/instruments/{code}")
def read_instrument(code: str, caller: Caller, db: Db, version: str | None = None) -> InstrumentDefinition:
    with db.transaction() as session:
        return service.get_instrument(session=session, organization_id=caller.organization_id, code=code,
                                      version=version)


@router.post("/instruments", status_code=201, responses={409: {"description": "code and version already exist"}})
def add_instrument(body: InstrumentDefinition, caller: Caller, db: Db) -> InstrumentDefinition:
    """Add an instrument as data: items, ranges, skip logic, scoring, bands and safety rule."""
    with db.transaction() as session:
        service.add_instrument(session=session, organization_id=caller.organization_id, definition=body)
    return body


@router.post("/participants/{participant_id}/questionnaire-responses", status_code=201)
def record_response(participant_id: str, body: ResponseCreate, caller: Caller, db: Db, now: Now) -> ResponseRead:
    """Validate, score, store and publish; PHQ-9 item 9 above 0 and every C-SSRS screen become safety signals."""
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return ResponseRead.model_validate(service.record_response(session=session, caller=caller, reach=found,
                                                                   data=body, clock=now))


@router.get("/participants/{participant_id}/questionnaire-responses")
def list_responses(participant_id: str, caller: Caller, db: Db, now: Now, page: Paging,
                   instrument: str | None = None) -> list[ResponseRead]:
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return [read_as(ResponseRead, r, found)
                for r in page.slice(service.list_responses(session=session, reach=found, instrument=instrument))]
