"""User tokens: RS256 JWTs from the identity provider, checked for signature, issuer, audience and
expiry, by the provider that issued them (``issuers.py``). Claims (their names are the issuer's
settings): ``sub`` (the user's PeerBridge id: a peer's or clinician's id in scheduling), ``org``
(organization), ``roles`` (PeerBridge roles; other values are ignored), optionally ``programs``
(program ids the user works in) and, when the issuer names a groups claim, groups mapped to roles."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from peerbridge_shared.identity import Identity, Role

from ..settings import ClaimNames, GatewaySettings
from .issuers import Issuer, TrustedIssuers, UntrustedIssuer
from .keys import KeySet, UnknownKey

ALGORITHMS = ["RS256"]
ROLE_NAMES = frozenset(role.value for role in Role)


class InvalidUserToken(ValueError):
    """The bearer token is not a valid user token; the message says why (never echoes the token)."""


class VerifiedTokens:
    """Identities of tokens already verified, until they expire: a console sends the same token
    with every request, and an RSA signature check per request is the largest cost of a read.
    Kept by the token's SHA-256 (the cache holds no bearer token), with the key that signed it: once
    the provider's key set no longer holds that key (rotated out, or refetched), the token is
    verified again, so a remembered token never outlives the trust in its key."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._entries: OrderedDict[bytes, tuple[Identity, float, KeySet, str | None, PyJWK]] = OrderedDict()

    def get(self, token: str) -> Identity | None:
        digest = _digest(token)
        entry = self._entries.get(digest)
        if entry is None:
            return None
        identity, expires_at, keys, kid, key = entry
        if time.time() >= expires_at or not keys.holds(kid, key):
            del self._entries[digest]
            return None
        self._entries.move_to_end(digest)
        return identity

    def put(self, token: str, identity: Identity, expires_at: float, keys: KeySet, kid: str | None,
            key: PyJWK) -> None:
        digest = _digest(token)
        self._entries[digest] = (identity, expires_at, keys, kid, key)
        self._entries.move_to_end(digest)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def verify_user_token(token: str, *, keys: TrustedIssuers, settings: GatewaySettings,
                            client: httpx.AsyncClient, cache: VerifiedTokens | None = None) -> Identity:
    if cache is not None and (known := cache.get(token)) is not None:
        return known
    try:
        header = jwt.get_unverified_header(token)
        issuer = keys[jwt.decode(token, options={"verify_signature": False}).get("iss")]
        key = await issuer.keys.key(header.get("kid"), client)
        claims = jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=issuer.audience,
                            issuer=issuer.name, leeway=settings.jwt_leeway_s,
                            options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    except (jwt.InvalidTokenError, UnknownKey, UntrustedIssuer) as exc:
        raise InvalidUserToken(str(exc)) from None
    _bounded_lifetime(claims, settings.max_token_lifetime_s)
    identity = identity_from_claims(claims, issuer)
    if cache is not None:  # no leeway past expiry for a cached token
        cache.put(token, identity, float(claims["exp"]), issuer.keys, header.get("kid"), key)
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


def identity_from_claims(claims: dict[str, Any], issuer: Issuer | None = None) -> Identity:
    names = issuer.claims if issuer else ClaimNames()
    organization, subject = claims.get(names.organization), claims.get(names.user)
    if not isinstance(organization, str) or not organization:
        raise InvalidUserToken(f'claim "{names.organization}" (the organization) is required')
    if not isinstance(subject, str) or not subject:
        raise InvalidUserToken(f'claim "{names.user}" (the user id) must be a non-empty string')
    named = {r for r in _strings(claims, names.roles) if r in ROLE_NAMES}
    if names.groups and issuer:
        named |= {issuer.group_roles[g].value for g in _strings(claims, names.groups) if g in issuer.group_roles}
    roles = frozenset(Role(r) for r in named)
    if not roles:
        raise InvalidUserToken(f'claims "{names.roles}"/"{names.groups or names.roles}" name no PeerBridge role')
    programs = frozenset(_strings(claims, names.programs))
    return Identity(organization_id=organization, user_id=subject, roles=roles, programs=programs)


def _strings(claims: dict[str, Any], name: str) -> list[str]:
    value = claims.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidUserToken(f'claim "{name}" must be a list of strings')
    return value
