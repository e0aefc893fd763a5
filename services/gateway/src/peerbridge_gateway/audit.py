"""PHI access audit: every answer carrying participant-level data the gateway serves (reads, and
writes that answer with the record) and every write made on someone's behalf is published as a
``PhiAccessed`` event (who, for whom, what, when, why) and acknowledged by Kafka before the data is
returned.
If it cannot be recorded, nothing is disclosed (503)."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from kafka import KafkaProducer

from peerbridge_shared.events import new_envelope, utc_now
from peerbridge_shared.events.access import PhiAccessed, PurposeOfUse
from peerbridge_shared.identity import Identity, Role
from peerbridge_shared.messaging import create_producer, publish
from peerbridge_shared.settings import KafkaSettings
from peerbridge_shared.web import Problem

log = logging.getLogger(__name__)
SOURCE = "/peerbridge/gateway"
PURPOSE_HEADER = "x-purpose-of-use"
MAX_IDS = 500
DEFAULT_PURPOSE = {Role.PROGRAM_ADMIN: PurposeOfUse.OPERATIONS, Role.PLATFORM_ADMIN: PurposeOfUse.SYSTEM_ADMINISTRATION}


def purpose_of(header: str | None, caller: Identity) -> PurposeOfUse:
    """The purpose the caller states (``X-Purpose-Of-Use``), else treatment for care roles."""
    if header:
        try:
            return PurposeOfUse(header.strip().upper())
        except ValueError:
            raise Problem(422, f"X-Purpose-Of-Use must be one of {', '.join(p.value for p in PurposeOfUse)}",
                          field="header.x-purpose-of-use", rule="purpose_of_use") from None
    for role, purpose in DEFAULT_PURPOSE.items():
        if caller.roles == {role}:
            return purpose
    return PurposeOfUse.TREATMENT


def participants_in(content: bytes, path_values: dict[str, str], field: str = "participant_id") -> list[str]:
    """The participant ids a JSON answer discloses: each item's ``field`` (a participant listing's
    ``id``) and ``participant_ids``."""
    found = [path_values["participant_id"]] if "participant_id" in path_values else []
    try:
        document: Any = json.loads(content)
    except ValueError:
        return found
    for item in document if isinstance(document, list) else [document]:
        if isinstance(item, dict):
            found += [item[field]] if isinstance(item.get(field), str) else []
            found += [p for p in item.get("participant_ids", []) if isinstance(p, str)]
    return sorted(set(found))[:MAX_IDS]


class PhiAudit:
    def __init__(self, kafka: KafkaSettings, timeout_s: float = 10.0) -> None:
        self.kafka, self.timeout_s = kafka, timeout_s
        self._producer: KafkaProducer | None = None

    @property
    def producer(self) -> KafkaProducer:
        """Made on first use, so the gateway starts (and serves non-PHI routes) while Kafka is down."""
        if self._producer is None:
            self._producer = create_producer(self.kafka, client_id="peerbridge-gateway")
        return self._producer

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=5)

    async def record(self, *, caller: Identity, method: str, route: str, path: str, path_values: dict[str, str],
                     purpose: PurposeOfUse, request_id: str, status: int, content: bytes,
                     names_participant: str = "participant_id") -> None:
        event = PhiAccessed(access_id=str(uuid.uuid4()), actor_id=caller.user_id, actor_roles=sorted(caller.roles),
                            on_behalf_of=caller.on_behalf_of,
                            method=method, route=route, path=path,
                            resource_id=next(iter(path_values.values()), None),
                            participant_ids=participants_in(content, path_values, names_participant), purpose=purpose,
                            request_id=request_id, status=status, accessed_at=utc_now())
        envelope = new_envelope(event, tenant=caller.organization_id, source=SOURCE, subject=caller.user_id)
        try:
            if self._producer is None:
                await asyncio.to_thread(lambda: self.producer)  # connecting blocks: not on the event loop
            future = publish(self.producer, envelope)
            await asyncio.to_thread(future.get, self.timeout_s)
        except Exception as exc:  # noqa: BLE001 - any failure to record means no disclosure
            log.error("PHI access not recorded; data withheld", extra={"route": route, "error": type(exc).__name__})
            raise Problem(503, "the access could not be recorded, so the data is withheld; retry",
                          rule="audit_unavailable", headers={"Retry-After": "5"}) from None
