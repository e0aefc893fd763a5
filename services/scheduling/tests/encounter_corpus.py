"""FHIR R4 Encounters shaped like hospital feeds: ones HL7's validator accepts (and PeerBridge
ingests) and ones it rejects (and PeerBridge must refuse). The tests hold both lists to the
validator itself, so the corpus cannot drift from what R4 4.0.1 says."""

from __future__ import annotations

import copy

SNOMED = "http://snomed.info/sct"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
DISPOSITION = "http://terminology.hl7.org/CodeSystem/discharge-disposition"


def admission(participant_id: str, encounter_id: str) -> dict:
    return {"resourceType": "Encounter", "id": encounter_id, "status": "in-progress",
            "class": {"system": ACT_CODE, "code": "IMP", "display": "inpatient encounter"},
            "subject": {"reference": f"Patient/{participant_id}"},
            "serviceType": {"coding": [{"system": SNOMED, "code": "394587001", "display": "Psychiatry"}]},
            "period": {"start": "2026-02-20T22:15:00-05:00"}}


def _with(base: dict, **changes) -> dict:
    resource = copy.deepcopy(base)
    for path, value in changes.items():
        target, *keys = path.split("__")
        node = resource
        for key in [target, *keys][:-1]:
            node = node[int(key)] if isinstance(node, list) else node[key]
        last = [target, *keys][-1]
        if value is _DROP:
            del node[last]
        else:
            node[last] = value
    return resource


_DROP = object()


def valid(participant_id: str, n: int) -> list[tuple[str, dict]]:
    def base(i: int) -> dict:
        return admission(participant_id, f"adt-{n}-{i}")
    narrative = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Admitted</div>'}
    return [
        ("admission", base(1)),
        ("discharge home", _with(base(2), status="finished", period__end="2026-03-01T11:00:00-05:00",
                                 hospitalization={"dischargeDisposition": {"coding": [
                                     {"system": DISPOSITION, "code": "home"}]}})),
        ("emergency visit with identifiers and narrative", _with(
            base(3), text=narrative, identifier=[{"use": "official", "system": "urn:oid:2.16.840.1.113883.3.72",
                                                   "value": "V100234"}],
            **{"class": {"system": ACT_CODE, "code": "EMER"}})),
        ("extensions and a type", _with(base(4), extension=[{"url": "https://hospital.example/fhir/ward",
                                                             "valueString": "4 West"}],
                                        type=[{"text": "Involuntary admission"}])),
        ("id of 64 characters with dots", admission(participant_id, f"{n}." + "a" * (62 - len(str(n))) + ".")),
        ("status history", _with(base(6), statusHistory=[
            {"status": "arrived", "period": {"start": "2026-02-20T21:00:00-05:00",
                                             "end": "2026-02-20T22:15:00-05:00"}}])),
    ]


def invalid(participant_id: str, n: int) -> list[tuple[str, dict, str]]:
    """(what is wrong, resource, the FHIR element the refusal names)"""
    def base(i: int) -> dict:
        return admission(participant_id, f"bad-{n}-{i}")
    return [
        ("id with an underscore", admission(participant_id, f"adt_{n}"), "id"),
        ("id of 65 characters", admission(participant_id, "a" * 65), "id"),
        ("unknown status", _with(base(1), status="sleepy"), "status"),
        ("no status", _with(base(2), status=_DROP), "status"),
        ("no class", _with(base(3), **{"class": _DROP}), "class"),
        ("an element R4 does not define", _with(base(4), plannedStartDate="2026-02-20"), "plannedStartDate"),
        ("an R5 class list", _with(base(5), **{"class": [{"coding": [{"system": ACT_CODE, "code": "IMP"}]}]}),
         "class"),
        ("a date-time that is no date", _with(base(6), period__start="yesterday"), "period.start"),
        ("a time without an offset", _with(base(7), period__start="2026-02-20T22:15:00"), "period.start"),
        ("discharge before admission", _with(base(8), status="finished", period__end="2026-02-01T00:00:00Z"),
         "period"),
        ("an empty string", _with(base(9), serviceType={"text": ""}), "serviceType.text"),
        ("an empty list", _with(base(10), type=[]), "type"),
        ("a null", _with(base(11), hospitalization=None), "hospitalization"),
        ("a reference as a bare string", _with(base(12), subject="Patient/" + participant_id), "subject"),
        ("a number as a string", _with(base(13), length={"value": "five", "unit": "d"}), "length.value"),
        ("an extension without url", _with(base(14), extension=[{"valueString": "4 West"}]), "extension.0.url"),
        ("an unknown identifier use", _with(base(15), identifier=[{"use": "primary", "value": "V1"}]),
         "identifier.0.use"),
        ("a narrative that is not XHTML", _with(base(16), text={"status": "generated", "div": "Admitted"}),
         "text.div"),
        ("a code with surrounding spaces", _with(base(17), serviceType={"coding": [
            {"system": SNOMED, "code": " 394587001 "}]}), "serviceType.coding.0.code"),
        ("status history without its period", _with(base(18), statusHistory=[{"status": "arrived"}]),
         "statusHistory.0.period"),
    ]
