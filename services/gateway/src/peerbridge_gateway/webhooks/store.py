"""Webhook subscriptions and deliveries in Redis.

- ``{prefix}webhooks:{org}``: a hash of subscription id -> subscription (JSON, with its secret).
- ``{prefix}webhooks:due``: a sorted set of delivery job ids by the time they are due; a worker
  claims a job by pushing its due time one lease ahead (atomically), so a worker that dies
  mid-delivery leaves the job to be retried, never lost.
- ``{prefix}webhooks:job:{id}``: the job (subscription, organization, body, attempts).
- ``{prefix}webhooks:dead``: jobs that used up their attempts (newest first, bounded).
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from redis import Redis

from peerbridge_shared.events import utc_now

CLAIM = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
return 0
"""
DEAD_KEPT = 1000
JOB_TTL_S = 30 * 24 * 3600


@dataclass
class Subscription:
    organization_id: str
    url: str
    program_ids: list[str]
    created_by: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    created_at: str = field(default_factory=lambda: utc_now().isoformat())

    def wants(self, program_id: str, published_at: datetime) -> bool:
        """New reports only (published after the subscription), of its programs (all when none named)."""
        wanted_program = not self.program_ids or program_id in self.program_ids
        return wanted_program and published_at >= datetime.fromisoformat(self.created_at)

    def public(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "secret"}


@dataclass
class Job:
    id: str
    organization_id: str
    subscription_id: str
    event_id: str
    body: str
    attempts: int = 0
    last_error: str | None = None


class WebhookStore:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis, self.prefix = redis, prefix

    def _subscriptions(self, organization: str) -> str:
        return f"{self.prefix}webhooks:{organization}"

    @property
    def _due(self) -> str:
        return f"{self.prefix}webhooks:due"

    def _job(self, job_id: str) -> str:
        return f"{self.prefix}webhooks:job:{job_id}"

    @property
    def dead_key(self) -> str:
        return f"{self.prefix}webhooks:dead"

    # subscriptions
    def add(self, subscription: Subscription) -> None:
        self.redis.hset(self._subscriptions(subscription.organization_id), subscription.id,
                        json.dumps(asdict(subscription)))

    def subscriptions(self, organization: str) -> list[Subscription]:
        raw = self.redis.hgetall(self._subscriptions(organization))
        return sorted((Subscription(**json.loads(value)) for value in raw.values()), key=lambda s: s.created_at)

    def get(self, organization: str, subscription_id: str) -> Subscription | None:
        raw = self.redis.hget(self._subscriptions(organization), subscription_id)
        return Subscription(**json.loads(raw)) if raw else None

    def remove(self, organization: str, subscription_id: str) -> bool:
        return bool(self.redis.hdel(self._subscriptions(organization), subscription_id))

    # deliveries
    def enqueue(self, job: Job, due: float) -> bool:
        """Queue ``job`` once (a redelivered feed event finds its job already there)."""
        if not self.redis.set(self._job(job.id), json.dumps(asdict(job)), nx=True, ex=JOB_TTL_S):
            return False
        self.redis.zadd(self._due, {job.id: due})
        return True

    def claim_due(self, now: float, lease_s: float, limit: int = 20) -> list[Job]:
        claimed = []
        for job_id in self.redis.zrangebyscore(self._due, "-inf", now, start=0, num=limit):
            if self.redis.eval(CLAIM, 1, self._due, job_id, now, now + lease_s):
                raw = self.redis.get(self._job(job_id.decode()))
                if raw is None:
                    self.redis.zrem(self._due, job_id)
                    continue
                claimed.append(Job(**json.loads(raw)))
        return claimed

    def done(self, job: Job) -> None:
        self.redis.zrem(self._due, job.id)
        self.redis.delete(self._job(job.id))

    def retry(self, job: Job, due: float) -> None:
        self.redis.set(self._job(job.id), json.dumps(asdict(job)), ex=JOB_TTL_S)
        self.redis.zadd(self._due, {job.id: due})

    def bury(self, job: Job) -> None:
        self.redis.lpush(self.dead_key, json.dumps(asdict(job)))
        self.redis.ltrim(self.dead_key, 0, DEAD_KEPT - 1)
        self.done(job)

    def pending(self) -> int:
        return self.redis.zcard(self._due)
