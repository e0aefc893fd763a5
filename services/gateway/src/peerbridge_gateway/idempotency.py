"""Idempotency keys on POST (the ``Idempotency-Key`` header), stored in Redis: the first request
with a key runs and its answer is kept; a retry with the same key and the same request gets that
answer again (``Idempotent-Replayed: true``); the same key with another request is a 422; a retry
while the first is still running is a 409."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from fastapi import Response
from redis.asyncio import Redis as AsyncRedis

from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem

from .settings import GatewaySettings

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
            await self.redis.delete(stored_key)
            return
        kept = {"state": "done", "fingerprint": request_fingerprint, "status": response.status_code,
                "media_type": response.media_type or response.headers.get("content-type"),
                "headers": {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers},
                "body": base64.b64encode(response.body).decode()}
        await self.redis.set(stored_key, json.dumps(kept), ex=self.settings.idempotency_ttl_s)
