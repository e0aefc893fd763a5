"""Idempotency keys on POST (the ``Idempotency-Key`` header), stored in Redis: the first request
with a key runs and its answer is kept; a retry with the same key and the same request gets that
answer again (``Idempotent-Replayed: true``); the same key with another request is a 422; a retry
while the first is still running is a 409.

Once the service has answered, that answer must be kept even if Redis is restarting: the gateway
waits for Redis a bounded time (``idempotency_store_wait_s``) before it answers. Failing the request
instead would send the caller to retry a write that was done (a resolved case answers "already
resolved" to its retry)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable

from fastapi import Response
from prometheus_client import Counter
from redis.asyncio import Redis as AsyncRedis

from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem

from .redis_clients import RETRIED as REDIS_DOWN
from .settings import GatewaySettings

log = logging.getLogger(__name__)
NOT_KEPT = Counter("peerbridge_gateway_idempotency_not_kept",
                   "Answers returned without their idempotency record (Redis unreachable past the wait)")

HEADER = "idempotency-key"
PENDING_TTL_S = 60
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
KEPT_HEADERS = ("location", "etag")


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


class IdempotencyKeys:
    def __init__(self, redis: AsyncRedis, settings: GatewaySettings) -> None:
        self.redis, self.settings = redis, settings

    def _key(self, caller: Identity, key: str) -> str:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return f"{self.settings.redis_prefix}idem:{caller.organization_id}:{caller.user_id}:{digest}"

    async def begin(self, caller: Identity, key: str, request_fingerprint: str) -> Response | None:
        """None: go ahead (the key is now held); else the kept answer to replay."""
        if not _VALID_KEY.match(key):
            raise Problem(422, "Idempotency-Key must be 1-255 visible ASCII characters", field="header.idempotency-key",
                          rule="format")
        stored_key = self._key(caller, key)
        pending = json.dumps({"state": "pending", "fingerprint": request_fingerprint})
        if await self.redis.set(stored_key, pending, nx=True, ex=PENDING_TTL_S):
            return None
        raw = await self.redis.get(stored_key)
        if raw is None:  # expired in between: a fresh attempt
            return await self.begin(caller, key, request_fingerprint)
        kept = json.loads(raw)
        if kept["fingerprint"] != request_fingerprint:
            raise Problem(422, "this Idempotency-Key was used for a different request", field="header.idempotency-key",
                          rule="same_request")
        if kept["state"] == "pending":
            raise Problem(409, "a request with this Idempotency-Key is still in progress", rule="in_progress",
                          headers={"Retry-After": "1"})
        response = Response(base64.b64decode(kept["body"]), status_code=kept["status"],
                            media_type=kept.get("media_type"), headers=kept.get("headers", {}))
        response.headers["Idempotent-Replayed"] = "true"
        return response

    async def finish(self, caller: Identity, key: str, request_fingerprint: str, response: Response | None) -> None:
        """Keep a final answer (not a 5xx or 429: those may be retried for real); else free the key."""
        stored_key = self._key(caller, key)
        if response is None or response.status_code >= 500 or response.status_code == 429:
            await self._patiently(lambda: self.redis.delete(stored_key))  # else the pending mark expires
            return
        kept = {"state": "done", "fingerprint": request_fingerprint, "status": response.status_code,
                "media_type": response.media_type or response.headers.get("content-type"),
                "headers": {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers},
                "body": base64.b64encode(response.body).decode()}
        await self._patiently(lambda: self.redis.set(stored_key, json.dumps(kept), ex=self.settings.idempotency_ttl_s))

    async def _patiently(self, command: Callable[[], Awaitable[object]]) -> None:
        """Run the Redis command, retrying while Redis is unreachable, up to the configured wait."""
        deadline, delay = time.monotonic() + self.settings.idempotency_store_wait_s, 0.1
        while True:
            try:
                await command()
                return
            except tuple(REDIS_DOWN) as exc:
                if time.monotonic() + delay > deadline:
                    NOT_KEPT.inc()
                    log.error("idempotency record not kept: Redis unreachable", extra={"error": type(exc).__name__})
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
