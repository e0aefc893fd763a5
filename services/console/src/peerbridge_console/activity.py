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
        return _entries(await self.redis.hgetall(self._key(organization, case_id)))

    async def paged(self, organization: str, case_ids: list[str]) -> dict[str, dict]:
        """The latest page of each case: {case_id: {recipient_id, channel, level}} (one round trip)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for case_id in case_ids:
                pipe.hgetall(self._key(organization, case_id))
            found = await pipe.execute()
        latest = {}
        for case_id, raw in zip(case_ids, found, strict=True):
            pages = [entry for entry in _entries(raw) if entry["name"] == "case.notified"]
            if pages:
                latest[case_id] = pages[-1]["data"]
        return latest


def _entries(raw: dict) -> list[dict]:
    return sorted((json.loads(value) for value in raw.values()), key=lambda entry: entry.get("time") or "")
