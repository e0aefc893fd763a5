"""User tokens, minted the way a front-end in development gets them: with the dev signing key that
``peerbridge-dev-token`` uses (GATEWAY_DEV_KEY_FILE, default .stack/gateway/dev-signing-key.pem)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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
    """Bearer headers per user, minted on first use and again once 80% of their lifetime has passed."""

    def __init__(self, organization: str, key_file: str | Path | None = None, ttl_s: int = 3600,
                 clock: Callable[[], float] = time.monotonic) -> None:
        settings = GatewaySettings()
        self.organization, self.ttl_s, self.clock = organization, ttl_s, clock
        self.issuer, self.audience = settings.jwt_issuer, settings.jwt_audience
        self._key = ensure_dev_key(key_file or settings.dev_key_file)
        self._cache: dict[User, tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def headers(self, user: User) -> dict[str, str]:
        with self._lock:
            cached = self._cache.get(user)
            # a user never seen has no token, whatever the clock says (the monotonic clock starts
            # near 0 at boot, so "minted at 0" would look fresh for most of an hour)
            if cached is not None and self.clock() - cached[0] <= self.ttl_s * 0.8:
                return cached[1]
            token = sign_user_token(self._key, issuer=self.issuer, audience=self.audience,
                                    organization=self.organization, user=user.id, roles=user.roles,
                                    programs=user.programs, ttl_s=self.ttl_s)
            headers = {"Authorization": f"Bearer {token}"}
            self._cache[user] = (self.clock(), headers)
            return headers
