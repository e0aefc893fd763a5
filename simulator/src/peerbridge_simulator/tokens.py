"""User tokens, minted the way a front-end in development gets them: with the dev signing key that
``peerbridge-dev-token`` uses (GATEWAY_DEV_KEY_FILE, default .stack/gateway/dev-signing-key.pem)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from peerbridge_gateway.auth.dev_keys import ensure_dev_key
from peerbridge_gateway.auth.dev_token import sign_user_token
from peerbridge_gateway.settings import GatewaySettings


@dataclass(frozen=True)
class User:
    """Who makes a request: a user id, roles and (clinicians, supervisors) their programs."""

    id: str
    roles: tuple[str, ...]
    programs: tuple[str, ...] = ()


class DevTokens:
    """Bearer headers per user, re-minted before they expire."""

    def __init__(self, organization: str, key_file: str | Path | None = None, ttl_s: int = 3600) -> None:
        settings = GatewaySettings()
        self.organization, self.ttl_s = organization, ttl_s
        self.issuer, self.audience = settings.jwt_issuer, settings.jwt_audience
        self._key = ensure_dev_key(key_file or settings.dev_key_file)
        self._cache: dict[User, tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def headers(self, user: User) -> dict[str, str]:
        with self._lock:
            minted_at, headers = self._cache.get(user, (None, {}))
            # never minted, or close to expiry (not "monotonic() > 0.8 ttl": a machine up for less than
            # that would never mint at all)
            if minted_at is None or time.monotonic() - minted_at > self.ttl_s * 0.8:
                token = sign_user_token(self._key, issuer=self.issuer, audience=self.audience,
                                        organization=self.organization, user=user.id, roles=user.roles,
                                        programs=user.programs, ttl_s=self.ttl_s)
                headers = {"Authorization": f"Bearer {token}"}
                self._cache[user] = (time.monotonic(), headers)
            return headers
