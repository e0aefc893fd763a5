"""What the console learnt from the gateway's case events, per case: who was paged by which channel,
escalations and breaches (the case record itself has acknowledgement, contact and resolution).

Written by every session's live relay (events.py) as events pass, de-duplicated by event id, kept
for the case's lifetime plus a week. The gateway has no case-timeline route yet, so events that
happened while no console session of that organization was connected are not here; the timeline
says so."""

from __future__ import annotations

import json

from redis.asyncio import Redis

KEEP_S = 30 * 24 * 3600
RECORDED = {"case.notified", "case.escalated", "case.breached", "case.opened", "case.acknowledged", "case.resolved"}


class Activity:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis, self.prefix = redis, prefix

    def _key(self, organization: str, case_id: str) -> str:
        return f"{self.prefix}activity:{organization}:{case_id}"

    async def record(self, organization: str, name: str, event: dict) -> None:
        case_id, event_id = event.get("case_id"), event.get("event_id")
        if name not in RECORDED or not isinstance(case_id, str) or not isinstance(event_id, str):
            return
        entry = {"name": name, "time": event.get("time"), "data": event.get("data") or {},
                 "risk_level": event.get("risk_level")}
        key = self._key(organization, case_id)
        await self.redis.hsetnx(key, event_id, json.dumps(entry))
        await self.redis.expire(key, KEEP_S)

    async def of(self, organization: str, case_id: str) -> list[dict]:
        entries = [json.loads(raw) for raw in (await self.redis.hgetall(self._key(organization, case_id))).values()]
        return sorted(entries, key=lambda entry: entry.get("time") or "")

    async def paged(self, organization: str, case_ids: list[str]) -> dict[str, dict]:
        """The latest page of each case: {case_id: {recipient_id, channel, level}}."""
        found: dict[str, dict] = {}
        for case_id in case_ids:
            pages = [e for e in await self.of(organization, case_id) if e["name"] == "case.notified"]
            if pages:
                found[case_id] = pages[-1]["data"]
        return found
