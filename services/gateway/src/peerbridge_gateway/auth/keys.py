"""The public keys the gateway trusts to sign user tokens, by key id.

From an OIDC provider's JWKS URL (fetched at start, refetched when a token names an unknown key,
at most once per ``jwks_refresh_min_s``), from a JWKS file, or in dev/test from the dev key.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError

from ..settings import GatewaySettings
from .dev_keys import ensure_dev_key, public_jwk

log = logging.getLogger(__name__)


class UnknownKey(LookupError):
    """No trusted key has this id."""


class KeySet:
    def __init__(self, keys: dict[str, Any] | None = None, *, url: str | None = None,
                 refresh_min_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._keys: dict[str | None, PyJWK] = {}
        self._url, self._refresh_min_s, self._clock = url, refresh_min_s, clock
        self._fetched_at: float | None = None  # never: the monotonic clock may itself be near 0 at boot
        if keys:
            self._install(keys)

    def _install(self, document: dict[str, Any]) -> None:
        try:
            found = PyJWKSet.from_dict(document).keys
        except PyJWKSetError as exc:
            raise ValueError(f"no usable signing key in the key set: {exc}") from None
        signing = [key for key in found if key.key_type == "RSA" and getattr(key, "public_key_use", "sig") != "enc"]
        self._keys = {key.key_id: key for key in signing}
        if len(signing) == 1:
            self._keys[None] = signing[0]  # a token without "kid" may use the only key

    async def refresh(self, client: httpx.AsyncClient) -> None:
        """Fetch the JWKS URL (if any) unless it was fetched less than ``refresh_min_s`` ago."""
        if self._url is None or (self._fetched_at is not None
                                 and self._clock() - self._fetched_at < self._refresh_min_s):
            return
        self._fetched_at = self._clock()
        response = await client.get(self._url, timeout=5.0)
        response.raise_for_status()
        self._install(response.json())

    async def key(self, kid: str | None, client: httpx.AsyncClient) -> PyJWK:
        if kid not in self._keys:
            try:
                await self.refresh(client)  # the provider may have rotated its keys
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("JWKS refresh failed", extra={"error": type(exc).__name__})
        try:
            return self._keys[kid]
        except KeyError:
            raise UnknownKey(f"no trusted key with kid {kid!r}") from None

    def holds(self, kid: str | None, key: PyJWK) -> bool:
        """Whether ``key`` is still the trusted key with this id (not since rotated out or refetched)."""
        return self._keys.get(kid) is key

    @property
    def loaded(self) -> bool:
        return bool(self._keys)

    def check_ready(self) -> None:
        if not self._keys:
            raise UnknownKey("no signing keys loaded")


def key_set_for(settings: GatewaySettings) -> KeySet:
    """The configured key set; the dev key only outside prod and only when nothing else is set."""
    if settings.jwks_url:
        return KeySet(url=settings.jwks_url, refresh_min_s=settings.jwks_refresh_min_s)
    if settings.jwks_file:
        return KeySet(json.loads(Path(settings.jwks_file).read_text()))
    if settings.environment == "prod":
        raise ValueError("no key set configured")  # settings validation refuses this already
    return KeySet({"keys": [public_jwk(ensure_dev_key(settings.dev_key_file))]})
