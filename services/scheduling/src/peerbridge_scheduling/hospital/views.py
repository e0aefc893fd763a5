from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel

from peerbridge_shared.web import FHIR_JSON

from ..deps import Caller, Db, Now
from . import service
from .fhir_encounter import read_encounter

router = APIRouter(tags=["hospital"])


class IngestResult(BaseModel):
    id: str
    participant_id: str
    encounter_class: str
    psychiatric: bool
    admitted_at: datetime
    discharged_at: datetime | None
    disposition: str | None
    published: list[str]


@router.post("/hospital-encounters/fhir", status_code=200)
def ingest_fhir_encounter(
    resource: Annotated[dict[str, Any], Body(description="a FHIR R4 Encounter (class IMP or EMER)",
                                             media_type=FHIR_JSON)],
    caller: Caller, db: Db, now: Now,
) -> IngestResult:
    """Admissions and discharges from a hospital feed; re-sending an encounter publishes nothing new."""
    facts = read_encounter(resource)
    with db.transaction() as session:
        encounter, events = service.ingest(session=session, caller=caller, facts=facts, source="fhir", clock=now)
        return IngestResult(id=encounter.id, participant_id=encounter.participant_id,
                            encounter_class=encounter.encounter_class, psychiatric=encounter.psychiatric,
                            admitted_at=encounter.admitted_at, discharged_at=encounter.discharged_at,
                            disposition=encounter.disposition, published=[e.type_name for e in events])
