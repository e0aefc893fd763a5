"""The identity providers the gateway trusts, by issuer (``iss``): for each, its keys, the audience
its tokens must name and where its claims put the user, organization, roles, programs and groups.

The primary issuer (``jwt_issuer`` with ``jwks_url``/``jwks_file``, or in dev and test the dev
key) and every entry of ``trusted_issuers``. In dev a provider such as the local Keycloak is
trusted beside the dev key, so both console sign-ins and ``peerbridge-dev-token`` work."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from peerbridge_shared.identity import Role

from ..settings import ClaimNames, GatewaySettings
from .keys import KeySet, UnknownKey, key_set_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issuer:
    name: str
    keys: KeySet
    audience: str
    claims: ClaimNames = field(default_factory=ClaimNames)
    group_roles: dict[str, Role] = field(default_factory=dict)


class UntrustedIssuer(LookupError):
    """No trusted identity provider has this ``iss``."""


class TrustedIssuers:
    def __init__(self, issuers: list[Issuer]) -> None:
        self._by_name = {issuer.name: issuer for issuer in issuers}

    def __getitem__(self, name: object) -> Issuer:
        if not isinstance(name, str) or name not in self._by_name:
            raise UntrustedIssuer(f"issuer {name!r} is not trusted")
        return self._by_name[name]

    async def refresh(self, client: httpx.AsyncClient) -> None:
        """Fetch every provider's keys; one that cannot be reached now is fetched again on the first
        token naming it, unless it is the only one."""
        issuers = list(self._by_name.values())
        for issuer in issuers:
            try:
                await issuer.keys.refresh(client)
            except (httpx.HTTPError, ValueError) as exc:
                if len(issuers) == 1:
                    raise
                log.warning("JWKS fetch failed", extra={"issuer": issuer.name, "error": type(exc).__name__})

    def check_ready(self) -> None:
        if not any(issuer.keys.loaded for issuer in self._by_name.values()):
            raise UnknownKey("no signing keys loaded")


def trusted_issuers(settings: GatewaySettings) -> TrustedIssuers:
    issuers = []
    if settings.primary_issuer_trusted:
        issuers.append(Issuer(settings.jwt_issuer, key_set_for(settings), settings.jwt_audience, settings.claims,
                              settings.group_roles))
    for trusted in settings.trusted_issuers:
        keys = (KeySet(url=trusted.jwks_url, refresh_min_s=settings.jwks_refresh_min_s) if trusted.jwks_url
                else KeySet(json.loads(Path(trusted.jwks_file or "").read_text())))
        issuers.append(Issuer(trusted.issuer, keys, trusted.audience or settings.jwt_audience, trusted.claims,
                              trusted.group_roles))
    return TrustedIssuers(issuers)
