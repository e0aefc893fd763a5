"""What one connection receives: the organization's case events after its last event id, those
its scope may see, in stream order; a heartbeat when idle; a reset when its last id is older than
the events the stream trimmed away (the client then reloads its case list)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis as AsyncRedis

from peerbridge_shared.identity import Identity
from peerbridge_shared.scope import CASE_ROLES, program_scope

from ..access import Scope
from .hub import Hub
from .streams import EventLog, stream_id_key

BATCH = 200


@dataclass(frozen=True)
class Item:
    kind: Literal["event", "reset", "heartbeat"]
    id: str | None = None
    event: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        """``case.opened`` for ``org.peerbridge.escalation.case.opened.v1``."""
        return ".".join(self.event["type"].split(".")[-3:-1]) if self.event else self.kind


def visible(event: dict[str, Any], caller: Identity, scope: Scope) -> bool:
    """The same rule escalation applies to its cases (``peerbridge_shared.scope``); the route's scope
    can only narrow it."""
    if scope is not Scope.ORGANIZATION and event["program_id"] not in (caller.programs or ()):
        return False
    return program_scope(caller, CASE_ROLES).reaches(event["program_id"])


def valid_id(value: str | None) -> str | None:
    try:
        return value if value and stream_id_key(value) else None
    except ValueError:
        return None


async def feed(*, caller: Identity, scope: Scope, last_event_id: str | None, log: EventLog, redis: AsyncRedis,
               hub: Hub, heartbeat_s: float) -> AsyncIterator[Item]:
    organization = caller.organization_id
    wake = hub.listen(organization)  # before reading: nothing appended from here on is missed
    try:
        last, first_kept = await log.position(redis, organization)
        cursor = valid_id(last_event_id)
        if cursor is None:
            cursor = last  # a first connection gets what happens from now on
        elif stream_id_key(cursor) < stream_id_key(first_kept):
            yield Item("reset", id=cursor)  # events after the client's last one may have been trimmed away
        while True:
            wake.clear()
            entries = await log.after(redis, organization, cursor, count=BATCH)
            for entry_id, event in entries:
                cursor = entry_id
                if visible(event, caller, scope):
                    yield Item("event", id=entry_id, event=event)
            if len(entries) == BATCH:
                continue
            try:
                await asyncio.wait_for(wake.wait(), timeout=heartbeat_s)
            except TimeoutError:
                yield Item("heartbeat")
    finally:
        hub.forget(organization, wake)
