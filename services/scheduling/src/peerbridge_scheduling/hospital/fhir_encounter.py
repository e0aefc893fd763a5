"""Read a FHIR R4 Encounter into the facts PeerBridge keeps: validated with the fhir.resources R4B
models (which match R4 for Encounter) and the R4 rules they do not check (fhir/r4.py), so the ingest
refuses what HL7's R4 validator refuses (the tests hold a corpus of Encounters to both)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fhir.resources.R4B.encounter import Encounter
from pydantic import ValidationError

from peerbridge_shared.events.care import DischargeDisposition, EncounterClass
from peerbridge_shared.web import Problem

from ..fhir.r4 import breaches

STATUSES = {"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error",
            "unknown"}  # FHIR R4 Encounter.status
PSYCHIATRY_CODES = {"394587001"}  # SNOMED CT: Psychiatry (service)
DISPOSITIONS = {  # http://terminology.hl7.org/CodeSystem/discharge-disposition
    "home": DischargeDisposition.HOME, "alt-home": DischargeDisposition.HOME,
    "other-hcf": DischargeDisposition.TRANSFER, "hosp": DischargeDisposition.TRANSFER,
    "long": DischargeDisposition.TRANSFER, "psy": DischargeDisposition.TRANSFER,
    "rehab": DischargeDisposition.TRANSFER, "snf": DischargeDisposition.TRANSFER,
    "aadvice": DischargeDisposition.AGAINST_ADVICE, "exp": DischargeDisposition.DEATH,
}


@dataclass(frozen=True)
class EncounterFacts:
    external_id: str
    participant_id: str
    encounter_class: EncounterClass
    psychiatric: bool
    admitted_at: datetime
    discharged_at: datetime | None
    disposition: DischargeDisposition | None


def _invalid(field: str, message: str, rule: str = "fhir") -> Problem:
    return Problem(422, f"{field}: {message}", field=f"body.{field}", rule=rule)


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
        raise _invalid(field, "needs a date-time with a UTC offset", "timezone_aware")
    return value


def read_encounter(resource: dict) -> EncounterFacts:
    """The facts in ``resource``, or a 422 problem naming the offending FHIR element."""
    if resource.get("resourceType") != "Encounter":
        raise _invalid("resourceType", "must be Encounter")
    try:
        encounter = Encounter.model_validate(resource)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise _invalid(".".join(str(p) for p in error["loc"] if p != "root") or "(root)", error["msg"]) from None
    for field, message, rule in breaches(resource):
        raise _invalid(field or "(root)", message, rule)
    if encounter.status not in STATUSES:
        raise _invalid("status", f"must be one of {', '.join(sorted(STATUSES))}", "enum")
    if not encounter.id:
        raise _invalid("id", "the hospital's encounter id is required to recognise updates", "required")
    code = encounter.class_fhir.code if encounter.class_fhir else None
    if code not in {c.value for c in EncounterClass}:
        raise _invalid("class.code", "must be IMP (inpatient) or EMER (emergency)", "encounter_class")
    reference = encounter.subject.reference if encounter.subject else None
    if not reference or not reference.startswith("Patient/"):
        raise _invalid("subject.reference", "must be Patient/<participant id>", "required")
    if encounter.period is None or encounter.period.start is None:
        raise _invalid("period.start", "the admission time is required", "required")
    admitted = _aware(encounter.period.start, "period.start")
    discharged = _aware(encounter.period.end, "period.end") if encounter.status == "finished" else None
    if discharged is not None and discharged < admitted:
        raise _invalid("period.end", "the discharge cannot come before the admission", "after_start")
    concepts = [encounter.serviceType, *(encounter.type or [])]
    codings = [coding for concept in concepts if concept for coding in concept.coding or []]
    disposition = None
    if discharged and encounter.hospitalization and encounter.hospitalization.dischargeDisposition:
        codes = [c.code for c in encounter.hospitalization.dischargeDisposition.coding or []]
        disposition = next((DISPOSITIONS[c] for c in codes if c in DISPOSITIONS), DischargeDisposition.OTHER)
    return EncounterFacts(
        external_id=encounter.id, participant_id=reference.removeprefix("Patient/"),
        encounter_class=EncounterClass(code), psychiatric=any(c.code in PSYCHIATRY_CODES for c in codings),
        admitted_at=admitted, discharged_at=discharged,
        disposition=disposition or (DischargeDisposition.HOME if discharged else None))
