"""Server-side sessions in Redis. The browser holds only a random session id in an HttpOnly,
SameSite=Lax cookie (Secure unless switched off for http://127.0.0.1 in dev); the tokens, the
CSRF token and the purpose of use stay here.

A session ends after ``idle_timeout_s`` without a page request (HIPAA automatic logoff; the live
event stream does not count as use) or ``absolute_timeout_s`` after sign-in, whichever is first."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass, field

from redis.asyncio import Redis

from .settings import ConsoleSettings


@dataclass
class Session:
    id: str
    user: dict  # the gateway's /v1/me: organization_id, user_id, roles, programs; plus name
    access_token: str
    refresh_token: str | None
    id_token: str | None
    access_expires_at: float
    created_at: float
    last_seen: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    purpose_of_use: str | None = None
    flash: dict | None = None  # {"text", "problem"}: shown once on the next page
    language: str | None = None  # chosen by the user (remembered per user); else the browser's

    @property
    def user_id(self) -> str:
        return self.user["user_id"]

    @property
    def organization(self) -> str:
        return self.user["organization_id"]


class SessionStore:
    def __init__(self, redis: Redis, settings: ConsoleSettings) -> None:
        self.redis, self.settings, self.prefix = redis, settings, settings.redis_prefix

    def _key(self, session_id: str) -> str:
        return f"{self.prefix}session:{session_id}"

    async def create(self, *, user: dict, tokens: dict) -> Session:
        now = time.time()
        session = Session(id=secrets.token_urlsafe(32), user=user, access_token=tokens["access_token"],
                          refresh_token=tokens.get("refresh_token"), id_token=tokens.get("id_token"),
                          access_expires_at=_expires_at(tokens, now), created_at=now, last_seen=now,
                          language=await self.remembered_language(user))
        await self.save(session)
        return session

    async def load(self, session_id: str | None, *, touch: bool = True) -> Session | None:
        """The live session, or None (unknown, idle too long or past its absolute timeout: deleted)."""
        if not session_id or len(session_id) > 100:
            return None
        raw = await self.redis.get(self._key(session_id))
        if raw is None:
            return None
        session = Session(**json.loads(raw))
        now = time.time()
        if now - session.last_seen > self.settings.idle_timeout_s or \
                now - session.created_at > self.settings.absolute_timeout_s:
            await self.delete(session_id)
            return None
        if touch:
            session.last_seen = now
            await self.save(session)
        return session

    async def save(self, session: Session) -> None:
        remaining = self.settings.absolute_timeout_s - (time.time() - session.created_at)
        ttl = max(1, int(min(self.settings.idle_timeout_s, remaining)) + 1)
        await self.redis.set(self._key(session.id), json.dumps(asdict(session)), ex=ttl)

    def renew_tokens(self, session: Session, tokens: dict) -> None:
        session.access_token = tokens["access_token"]
        session.refresh_token = tokens.get("refresh_token") or session.refresh_token
        session.id_token = tokens.get("id_token") or session.id_token
        session.access_expires_at = _expires_at(tokens, time.time())

    def _language_key(self, user: dict) -> str:
        return f"{self.prefix}language:{user['organization_id']}:{user['user_id']}"

    async def remember_language(self, session: Session, language: str) -> None:
        session.language = language
        await self.redis.set(self._language_key(session.user), language)
        await self.save(session)

    async def remembered_language(self, user: dict) -> str | None:
        raw = await self.redis.get(self._language_key(user))
        return raw.decode() if isinstance(raw, bytes) else raw

    async def delete(self, session_id: str) -> None:
        await self.redis.delete(self._key(session_id))

    # a sign-in in progress: state -> PKCE verifier, nonce and where to go afterwards
    async def begin_login(self, state: str, pending: dict) -> None:
        await self.redis.set(f"{self.prefix}login:{state}", json.dumps(pending), ex=self.settings.login_timeout_s)

    async def finish_login(self, state: str) -> dict | None:
        raw = await self.redis.getdel(f"{self.prefix}login:{state}")
        return json.loads(raw) if raw else None


def _expires_at(tokens: dict, now: float) -> float:
    if tokens.get("expires_at"):
        return float(tokens["expires_at"])
    return now + float(tokens.get("expires_in", 60))
