"""User tokens: RS256 JWTs from the identity provider, checked for signature, issuer, audience and
expiry. Claims: ``sub`` (the user's PeerBridge id: a peer's or clinician's id in scheduling),
``org`` (organization), ``roles`` (PeerBridge roles; other values are ignored) and, optionally,
``programs`` (program ids the user works in)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

import httpx
import jwt

from peerbridge_shared.identity import Identity, Role

from ..settings import GatewaySettings
from .keys import KeySet, UnknownKey

ALGORITHMS = ["RS256"]
ROLE_NAMES = frozenset(role.value for role in Role)


class InvalidUserToken(ValueError):
    """The bearer token is not a valid user token; the message says why (never echoes the token)."""


class VerifiedTokens:
    """Identities of tokens already verified, until they expire: a console sends the same token
    with every request, and an RSA signature check per request is the largest cost of a read."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._entries: OrderedDict[str, tuple[Identity, float]] = OrderedDict()

    def get(self, token: str) -> Identity | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        identity, expires_at = entry
        if time.time() >= expires_at:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return identity

    def put(self, token: str, identity: Identity, expires_at: float) -> None:
        self._entries[token] = (identity, expires_at)
        self._entries.move_to_end(token)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


async def verify_user_token(token: str, *, keys: KeySet, settings: GatewaySettings,
                            client: httpx.AsyncClient, cache: VerifiedTokens | None = None) -> Identity:
    if cache is not None and (known := cache.get(token)) is not None:
        return known
    try:
        header = jwt.get_unverified_header(token)
        key = await keys.key(header.get("kid"), client)
        claims = jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=settings.jwt_audience,
                            issuer=settings.jwt_issuer, leeway=settings.jwt_leeway_s,
                            options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    except (jwt.InvalidTokenError, UnknownKey) as exc:
        raise InvalidUserToken(str(exc)) from None
    _bounded_lifetime(claims, settings.max_token_lifetime_s)
    identity = identity_from_claims(claims)
    if cache is not None:
        cache.put(token, identity, float(claims["exp"]))  # no leeway past expiry for a cached token
    return identity


def _bounded_lifetime(claims: dict[str, Any], most_s: int) -> None:
    """A stolen long-lived token stays dangerous for long: anything valid for more than ``most_s``
    (exp - iat) is refused, whoever signed it."""
    try:
        lifetime = float(claims["exp"]) - float(claims["iat"])
    except (TypeError, ValueError, KeyError):
        raise InvalidUserToken('claims "exp" and "iat" must be numbers') from None
    if lifetime > most_s:
        raise InvalidUserToken(f"the token is valid for {int(lifetime)} s, more than the {most_s} s allowed "
                               "(GATEWAY_MAX_TOKEN_LIFETIME_S)")


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    organization, subject = claims.get("org"), claims.get("sub")
    if not isinstance(organization, str) or not organization:
        raise InvalidUserToken('claim "org" (the organization) is required')
    if not isinstance(subject, str) or not subject:
        raise InvalidUserToken('claim "sub" must be a non-empty string')
    roles = frozenset(Role(r) for r in _strings(claims, "roles") if r in ROLE_NAMES)
    if not roles:
        raise InvalidUserToken('claim "roles" names no PeerBridge role')
    programs = frozenset(_strings(claims, "programs"))
    return Identity(organization_id=organization, user_id=subject, roles=roles, programs=programs)


def _strings(claims: dict[str, Any], name: str) -> list[str]:
    value = claims.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidUserToken(f'claim "{name}" must be a list of strings')
    return value
