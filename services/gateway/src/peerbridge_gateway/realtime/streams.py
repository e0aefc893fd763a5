"""The Redis side of real-time events: append once (by event id) to the organization's bounded
stream and wake every gateway replica; read what came after a given stream id."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import ResponseError

from peerbridge_shared.events import Envelope
from peerbridge_shared.events.escalation import CaseEvent

SEEN_TTL_S = 7 * 24 * 3600
STREAM_TTL_S = 30 * 24 * 3600  # an organization with no case event for a month starts afresh

# Atomic: the first delivery of an event id appends and publishes; a redelivery does nothing.
APPEND = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
  redis.call('PUBLISH', ARGV[5], id)
  return id
end
return false
"""


@dataclass(frozen=True)
class Keys:
    prefix: str

    def stream(self, organization: str) -> str:
        return f"{self.prefix}{{{organization}}}:events"  # hash tag: an organization's keys share a slot

    def seen(self, organization: str, event_id: str) -> str:
        return f"{self.prefix}{{{organization}}}:seen:{event_id}"

    def channel(self, organization: str) -> str:
        return f"{self.prefix}events:{organization}"

    @property
    def channel_pattern(self) -> str:
        return f"{self.prefix}events:*"

    def organization_of(self, channel: str) -> str:
        return channel.removeprefix(f"{self.prefix}events:")


def push_message(envelope: Envelope) -> dict[str, Any]:
    """What a client receives for a case event: routing fields, the CloudEvents type and the payload
    (case number and pseudonymous ids only; never names)."""
    data = envelope.data
    assert isinstance(data, CaseEvent)
    return {"event_id": envelope.id, "type": envelope.type, "time": envelope.time.isoformat(),
            "organization_id": envelope.tenant, "case_id": data.case_id, "case_number": data.case_number,
            "program_id": data.program_id, "risk_level": data.risk_level.value,
            "data": data.model_dump(mode="json")}


class EventLog:
    def __init__(self, keys: Keys, max_len: int) -> None:
        self.keys, self.max_len = keys, max_len

    def append(self, redis: Redis, envelope: Envelope) -> str | None:
        """The new stream id, or None when this event id was appended before."""
        organization = envelope.tenant
        result = redis.eval(APPEND, 2, self.keys.seen(organization, envelope.id), self.keys.stream(organization),
                            SEEN_TTL_S, self.max_len, json.dumps(push_message(envelope)), STREAM_TTL_S,
                            self.keys.channel(organization))
        return result.decode() if isinstance(result, bytes) else result

    async def after(self, redis: AsyncRedis, organization: str, last_id: str, count: int = 200
                    ) -> list[tuple[str, dict[str, Any]]]:
        """Entries after ``last_id`` (exclusive), oldest first."""
        entries = await redis.xrange(self.keys.stream(organization), min=f"({last_id}", max="+", count=count)
        return [(_text(entry_id), json.loads(fields[b"event"])) for entry_id, fields in entries]

    async def position(self, redis: AsyncRedis, organization: str) -> tuple[str, str]:
        """(the last id, the first id still kept) of the organization's stream: "0-0" for none, and
        the first is "0-0" while nothing was ever trimmed away."""
        try:
            info = await redis.xinfo_stream(self.keys.stream(organization))
        except ResponseError:  # no stream yet
            return "0-0", "0-0"
        trimmed = info["entries-added"] > info["length"]
        first = _text(info["first-entry"][0]) if info.get("first-entry") else _text(info["last-generated-id"])
        return _text(info["last-generated-id"]), first if trimmed else "0-0"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def stream_id_key(stream_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = stream_id.partition("-")
    return int(milliseconds), int(sequence or 0)
