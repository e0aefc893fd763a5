"""`python -m peerbridge_scheduling.hospital.mllp`: the HL7v2 ADT listener (MLLP over TCP, TLS when
SCHEDULING_MLLP_TLS_CERT and _KEY are set), a second process of the scheduling service: it matches
the patient to a participant here, where the PHI is, and runs the FHIR ingest's own logic
(service.ingest), publishing the same encounter events through the outbox.

Each message gets one ACK (MSA-1): AA accepted (or already accepted: message control ids are
deduplicated per sending facility), AE an error in the content (an unknown patient, a missing
field; ERR names the field), AR a rejection (an unknown sending facility, a message type that is
not taken, a message that does not parse). MSH-4 (sending facility) names the organization
(SCHEDULING_MLLP_FACILITIES, a JSON object facility -> organization id).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import hl7
from hl7.exceptions import HL7Exception
from hl7.mllp import InvalidBlockError, start_hl7_server

from peerbridge_shared.db import Database
from peerbridge_shared.idempotency import first_delivery
from peerbridge_shared.identity import Identity, Role
from peerbridge_shared.logs import configure_logging
from peerbridge_shared.web import Problem

from ..deps import utc_now
from ..settings import SchedulingSettings, get_settings
from . import service
from .adt import AdtError, AdtFacts, read_adt
from .fhir_encounter import EncounterFacts
from .matching import match_participant

log = logging.getLogger(__name__)
SENDER = "PEERBRIDGE"


def _msh(message: hl7.Message | None, field: int, component: int = 1) -> str:
    if message is None:
        return ""
    try:
        return str(message.extract_field("MSH", 1, field, 1, component) or "")
    except (KeyError, IndexError):
        return ""


def ack(message: hl7.Message | None, code: str, text: str, *, location: str = "", error: str = "") -> str:
    """An original-mode ACK (MSH, MSA, and ERR unless AA), HL7 v2.5.1, its text escaped."""
    escape = (message or hl7.parse("MSH|^~\\&|")).escape
    control, now = _msh(message, 10), datetime.now(UTC).strftime("%Y%m%d%H%M%S+0000")
    segments = [
        f"MSH|^~\\&|{SENDER}|{_msh(message, 6)}|{_msh(message, 3)}|{_msh(message, 4)}|{now}||"
        f"ACK^{_msh(message, 9, 2)}^ACK|ACK{control or now}|P|2.5.1",
        f"MSA|{code}|{control}|{escape(text[:80])}",
    ]
    if code != "AA":
        segment, _, field = location.partition("-")
        place = f"{segment}^1^{field}" if field else ""
        segments.append(f"ERR||{place}|{error or '207'}^{escape(text[:80])}^HL70357|E||||{escape(text)}")
    return "\r".join(segments)


class AdtListener:
    def __init__(self, settings: SchedulingSettings, database: Database | None = None) -> None:
        self.settings, self.facilities = settings, dict(settings.mllp_facilities)
        self.database = database or Database(settings.database_url)
        self.zone = ZoneInfo(settings.mllp_timezone)

    def handle(self, raw: hl7.Message | None, error: Exception | None = None) -> str:
        """The ACK for one message (blocking: runs in a worker thread)."""
        if raw is None:
            return ack(None, "AR", f"the message does not parse: {error}", location="MSH-1", error="100")
        try:
            facts = read_adt(raw, self.zone)
            organization = self.facilities.get(facts.facility)
            if organization is None:
                raise AdtError("AR", "MSH-4", f"MSH-4: sending facility {facts.facility!r} is not configured",
                               "204")
            return ack(raw, "AA", self._apply(facts, organization))
        except AdtError as exc:
            return ack(raw, exc.code, exc.message, location=exc.location, error=exc.hl7_error)
        except Problem as exc:
            return ack(raw, "AE", exc.detail, location=_hl7_location(exc.field), error="204")

    def _apply(self, facts: AdtFacts, organization: str) -> str:
        caller = Identity(organization_id=organization, user_id=f"hl7:{facts.facility}",
                          roles=frozenset({Role.PROGRAM_ADMIN}))
        with self.database.transaction() as session:
            if not first_delivery(session, consumer=f"hl7-adt:{organization}:{facts.facility}",
                                  event_id=facts.control_id[:64]):
                return f"message {facts.control_id} was already accepted"
            if facts.cancel:
                return service.cancel(session=session, caller=caller, encounter_id=facts.encounter_id,
                                      event=facts.event, clock=utc_now)
            participant = match_participant(session, organization, facts.identifiers)
            if participant is None:
                raise AdtError("AE", "PID-3", "PID-3: no single participant has these identifiers", "204")
            encounter, events = service.ingest(
                session=session, caller=caller, source="hl7v2", clock=utc_now,
                facts=EncounterFacts(external_id=facts.encounter_id, participant_id=participant,
                                     encounter_class=facts.encounter_class, psychiatric=facts.psychiatric,
                                     admitted_at=facts.admitted_at, discharged_at=facts.discharged_at,
                                     disposition=facts.disposition))
            return f"{facts.event} accepted; published {len(events)} event(s)"

    async def serve_client(self, reader, writer) -> None:  # noqa: ANN001 - hl7.mllp streams
        try:
            while not reader.at_eof():
                try:
                    message, error = await reader.readmessage(), None
                except (HL7Exception, InvalidBlockError, ValueError, KeyError, IndexError) as exc:
                    message, error = None, exc
                except asyncio.IncompleteReadError:
                    break
                answer = await asyncio.to_thread(self.handle, message, error)
                writer.writeblock(answer.encode("utf-8"))
                await writer.drain()
        finally:
            writer.close()

    async def start(self, host: str, port: int) -> asyncio.AbstractServer:
        return await start_hl7_server(self.serve_client, host, port, encoding="utf-8",
                                      ssl=_tls(self.settings), limit=1024 * 1024)


def _hl7_location(field: str | None) -> str:
    return "PID-3" if field and "subject" in field else "PV1-19"


def _tls(settings: SchedulingSettings) -> ssl.SSLContext | None:
    if not (settings.mllp_tls_cert and settings.mllp_tls_key):
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.mllp_tls_cert, settings.mllp_tls_key)
    return context


async def main(settings: SchedulingSettings) -> None:
    listener = AdtListener(settings)
    server = await listener.start(settings.mllp_host, settings.mllp_port)
    log.info("HL7v2 ADT listener ready", extra={"port": settings.mllp_port, "tls": _tls(settings) is not None})
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    configured = get_settings()
    configure_logging("scheduling-mllp")
    asyncio.run(main(configured))
