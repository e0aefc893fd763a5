from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..deps import Caller, Db
from ..participants.service import get_participant
from .export import participant_bundle

router = APIRouter(tags=["fhir"])


@router.get("/participants/{participant_id}/fhir", response_class=JSONResponse,
            responses={200: {"content": {"application/fhir+json": {}}, "description": "a FHIR R4 Bundle"}})
def export_participant(participant_id: str, caller: Caller, db: Db) -> JSONResponse:
    """The participant's Appointments and Encounters as a FHIR R4 collection Bundle."""
    with db.transaction() as session:
        participant = get_participant(session=session, organization_id=caller.organization_id,
                                      participant_id=participant_id)
        return JSONResponse(participant_bundle(session=session, participant=participant),
                            media_type="application/fhir+json")
