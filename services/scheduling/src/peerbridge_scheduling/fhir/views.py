from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..access import reach
from ..deps import Caller, Db, Now
from .export import participant_bundle

router = APIRouter(tags=["fhir"])


@router.get("/participants/{participant_id}/fhir", response_class=JSONResponse,
            responses={200: {"content": {"application/fhir+json": {}}, "description": "a FHIR R4 Bundle"}})
def export_participant(participant_id: str, caller: Caller, db: Db, now: Now) -> JSONResponse:
    """The participant's Appointments and Encounters of the programs the caller may read, as a FHIR R4
    collection Bundle."""
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return JSONResponse(participant_bundle(session=session, reach=found),
                            media_type="application/fhir+json")
