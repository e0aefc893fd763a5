"""Entity tags: every 200 GET answer carries a strong ETag (If-None-Match: 304). A PUT on a
resource that can race (``Route.etag_from``) honours If-Match: under a short Redis lock the
gateway reads the current representation, refuses with 412 if it changed, then writes; so two
editors through any gateway replicas cannot overwrite each other unknowingly."""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterator

from redis.asyncio import Redis as AsyncRedis

from peerbridge_shared.web import Problem

LOCK_TTL_MS = 15_000
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def etag_of(content: bytes) -> str:
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


def matches(header: str | None, etag: str) -> bool:
    """Whether an If-Match / If-None-Match header names ``etag`` (or ``*``); weak tags compare by value."""
    if not header:
        return False
    candidates = [part.strip().removeprefix("W/") for part in header.split(",")]
    return "*" in candidates or etag in candidates


@contextlib.asynccontextmanager
async def resource_lock(redis: AsyncRedis, key: str) -> AsyncIterator[None]:
    token = uuid.uuid4().hex
    if not await redis.set(key, token, nx=True, px=LOCK_TTL_MS):
        raise Problem(409, "another update of this resource is in progress; retry", rule="concurrent_update",
                      headers={"Retry-After": "1"})
    try:
        yield
    finally:
        await redis.eval(RELEASE, 1, key, token)
