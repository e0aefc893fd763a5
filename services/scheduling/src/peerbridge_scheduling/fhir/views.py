from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from peerbridge_shared.web import FhirJSONResponse

from ..access import reach
from ..deps import Caller, Db, Now
from .export import participant_bundle

router = APIRouter(tags=["fhir"])


class FhirResource(BaseModel):
    """A FHIR R4 resource (Appointment or Encounter here); its other elements as R4 defines them."""

    model_config = ConfigDict(extra="allow")
    resourceType: str
    id: str


class FhirBundleEntry(BaseModel):
    fullUrl: str
    resource: FhirResource


class FhirBundle(BaseModel):
    """A FHIR R4 collection Bundle (http://hl7.org/fhir/R4/bundle.html)."""

    resourceType: Literal["Bundle"]
    type: Literal["collection"]
    entry: list[FhirBundleEntry] = []


@router.get("/participants/{participant_id}/fhir", response_class=FhirJSONResponse, response_model=FhirBundle,
            responses={200: {"description": "a FHIR R4 Bundle"}})
def export_participant(participant_id: str, caller: Caller, db: Db, now: Now) -> FhirJSONResponse:
    """The participant's Appointments and Encounters of the programs the caller may read, as a FHIR R4
    collection Bundle."""
    with db.transaction() as session:
        found = reach(session=session, caller=caller, participant_id=participant_id, now=now())
        return FhirJSONResponse(participant_bundle(session=session, reach=found))
