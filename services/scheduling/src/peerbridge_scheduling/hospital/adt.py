"""Read an HL7v2 ADT message (parsed by the ``hl7`` package) into the facts the FHIR Encounter
ingest keeps, so both feeds share one ingest (service.py) and publish the same events.

- A01 admit, A04 register (an emergency visit), A08 update: an admission (and a discharge if PV1-45
  is set); A03: a discharge. A11 cancels an admission, A13 a discharge.
- The encounter is PV1-19 (visit number); the class is PV1-2 (I inpatient, E emergency); the
  hospital service PV1-10 ``PSY`` (or PV1-3.1 starting ``PSY``) marks it psychiatric; PV1-44/45 are
  the admit and discharge times and PV1-36 the discharge disposition (HL7 table 0112).
- The patient is matched by PID-3 (each repetition): an identifier assigned by ``PEERBRIDGE`` is a
  participant id, one of type ``MB`` (member number) a participant's member id. Names, birth dates
  and addresses in PID are never read or kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

import hl7

from peerbridge_shared.events.care import DischargeDisposition, EncounterClass

ADMITTING = {"A01", "A04", "A08"}
SUPPORTED = ADMITTING | {"A03", "A11", "A13"}
CLASSES = {"I": EncounterClass.INPATIENT, "E": EncounterClass.EMERGENCY}
DISPOSITIONS = {"01": DischargeDisposition.HOME, "06": DischargeDisposition.HOME,
                "02": DischargeDisposition.TRANSFER, "03": DischargeDisposition.TRANSFER,
                "04": DischargeDisposition.TRANSFER, "05": DischargeDisposition.TRANSFER,
                "43": DischargeDisposition.TRANSFER, "61": DischargeDisposition.TRANSFER,
                "62": DischargeDisposition.TRANSFER, "65": DischargeDisposition.TRANSFER,
                "07": DischargeDisposition.AGAINST_ADVICE, "20": DischargeDisposition.DEATH}
PEERBRIDGE_AUTHORITY = "PEERBRIDGE"
HL7_TIME = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d{1,4})?([+-]\d{4})?$")


class AdtError(Exception):
    """A message PeerBridge cannot take: ``code`` is the ACK code (AR reject, AE error), ``location``
    the field (``PV1-19``), ``hl7_error`` the HL7 table 0357 code."""

    def __init__(self, code: str, location: str, message: str, hl7_error: str = "207") -> None:
        super().__init__(message)
        self.code, self.location, self.message, self.hl7_error = code, location, message, hl7_error


@dataclass(frozen=True)
class PatientIdentifier:
    value: str
    authority: str
    kind: str


@dataclass(frozen=True)
class AdtFacts:
    event: str
    control_id: str
    facility: str
    identifiers: tuple[PatientIdentifier, ...]
    encounter_id: str
    encounter_class: EncounterClass | None
    psychiatric: bool
    admitted_at: datetime | None
    discharged_at: datetime | None
    disposition: DischargeDisposition | None

    @property
    def cancel(self) -> bool:
        return self.event in {"A11", "A13"}


def _field(message: hl7.Message, segment: str, field: int, component: int = 1) -> str:
    try:
        value = message.extract_field(segment, 1, field, 1, component)
    except (KeyError, IndexError):
        return ""
    return message.unescape(str(value)).strip() if value else ""


def hl7_time(value: str, location: str, zone: tzinfo) -> datetime | None:
    """An HL7 TS (``YYYYMMDDHHMM[SS][.S][+ZZZZ]``); without an offset, in the feed's time zone."""
    if not value:
        return None
    match = HL7_TIME.match(value)
    if not match:
        raise AdtError("AE", location, f"{location}: {value!r} is not an HL7 time (YYYYMMDDHHMM[SS][+ZZZZ])", "102")
    year, month, day, hour, minute, second, offset = match.groups()
    if offset:
        sign = 1 if offset[0] == "+" else -1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=zone)
    except ValueError as exc:
        raise AdtError("AE", location, f"{location}: {value!r}: {exc}", "102") from None


def _identifiers(message: hl7.Message) -> tuple[PatientIdentifier, ...]:
    """PID-3's repetitions (CX: id ^ check digit ^ scheme ^ assigning authority ^ type), split on the
    message's own encoding characters (MSH-2), then unescaped."""
    try:
        raw = str(message.segment("PID")[3])
    except (KeyError, IndexError):
        return ()
    component, repetition, _escape, subcomponent = (str(message.segment("MSH")[2]) + "^~\\&")[:4]
    found = []
    for item in raw.split(repetition):
        parts = [message.unescape(part).strip() for part in item.split(component)] + [""] * 5
        if parts[0]:
            found.append(PatientIdentifier(parts[0], parts[3].split(subcomponent)[0], parts[4]))
    return tuple(found)


def read_adt(message: hl7.Message, zone: tzinfo) -> AdtFacts:
    control_id = _field(message, "MSH", 10)
    if not control_id:
        raise AdtError("AR", "MSH-10", "MSH-10 (message control id) is required", "101")
    kind, event = _field(message, "MSH", 9, 1), _field(message, "MSH", 9, 2) or _field(message, "EVN", 1)
    if kind != "ADT" or event not in SUPPORTED:
        raise AdtError("AR", "MSH-9", f"MSH-9: {kind}^{event} is not taken (ADT A01, A03, A04, A08, A11, A13)",
                       "200")
    identifiers = _identifiers(message)
    if not identifiers:
        raise AdtError("AE", "PID-3", "PID-3 (patient identifier list) is required", "101")
    encounter_id = _field(message, "PV1", 19)
    if not encounter_id:
        raise AdtError("AE", "PV1-19", "PV1-19 (visit number) is required to recognise the encounter", "101")
    patient_class = _field(message, "PV1", 2)
    if patient_class not in CLASSES and event not in {"A11", "A13"}:
        raise AdtError("AE", "PV1-2", f"PV1-2: patient class {patient_class!r} is not taken (I inpatient, "
                                      "E emergency)", "103")
    service, location = _field(message, "PV1", 10), _field(message, "PV1", 3)
    admitted = hl7_time(_field(message, "PV1", 44), "PV1-44", zone) or hl7_time(
        _field(message, "EVN", 2), "EVN-2", zone)
    discharged = hl7_time(_field(message, "PV1", 45), "PV1-45", zone)
    if event == "A03" and discharged is None:
        discharged = hl7_time(_field(message, "EVN", 6), "EVN-6", zone) or hl7_time(
            _field(message, "EVN", 2), "EVN-2", zone)
    if event in ADMITTING | {"A03"} and admitted is None:
        raise AdtError("AE", "PV1-44", "PV1-44 (admit date/time) is required", "101")
    if admitted and discharged and discharged < admitted:
        raise AdtError("AE", "PV1-45", "PV1-45: the discharge cannot come before the admission (PV1-44)", "207")
    disposition_code = _field(message, "PV1", 36)
    disposition = DISPOSITIONS.get(disposition_code, DischargeDisposition.OTHER) if disposition_code else None
    return AdtFacts(
        event=event, control_id=control_id, facility=_field(message, "MSH", 4), identifiers=identifiers,
        encounter_id=encounter_id, encounter_class=CLASSES.get(patient_class),
        psychiatric=service.upper() == "PSY" or location.upper().startswith("PSY"),
        admitted_at=admitted, discharged_at=discharged if event != "A13" else None,
        disposition=(disposition or DischargeDisposition.HOME) if discharged else None)
