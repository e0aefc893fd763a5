"""The authenticated caller: a FastAPI dependency that verifies the bearer token."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from peerbridge_shared.identity import Identity, Role
from peerbridge_shared.web import Problem

from .auth.tokens import InvalidUserToken, verify_user_token
from .ratelimit import client_address

ON_BEHALF_HEADER = "x-on-behalf-of"
STAFF_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
bearer = HTTPBearer(auto_error=False, description="a user token (RS256) from the identity provider; in development "
                                                  "`peerbridge-dev-token --org ORG --role ROLE`")


async def identify(request: HTTPConnection, token: str | None) -> Identity:
    """The identity in ``token`` (401 problem when missing or invalid), within the user's rate limit;
    missing and bad tokens count against the client address's."""
    gateway = request.app.state.gateway
    settings = gateway.settings
    address = ("address", client_address(request, settings.trusted_proxies), settings.rate_limit_per_ip)
    if not token:
        await gateway.limiter.check(address)
        raise Problem(401, "a bearer token is required", rule="authenticated",
                      headers={"WWW-Authenticate": 'Bearer realm="peerbridge"'})
    try:
        identity = await verify_user_token(token, keys=gateway.keys, settings=settings,
                                           client=gateway.upstreams.provider_client, cache=gateway.verified)
    except InvalidUserToken as exc:
        await gateway.limiter.check(address)
        raise Problem(401, f"invalid token: {exc}", rule="valid_token",
                      headers={"WWW-Authenticate": 'Bearer realm="peerbridge", error="invalid_token"'}) from None
    # a verified caller is limited as a user, not by address: many users behind one NAT (a clinic) never
    # share a budget; requests without a valid token are limited by address (all that is known of them)
    await gateway.limiter.check(("user", f"{identity.organization_id}:{identity.user_id}",
                                 settings.rate_limit_per_token))
    request.state.identity = identity
    return identity


def acting_for(identity: Identity, header: str | None) -> Identity:
    """``X-On-Behalf-Of``: a program admin records for a member of staff (the services name that
    person as having acted; the audit keeps both). Nobody else may say it."""
    if header is None:
        return identity
    if Role.PROGRAM_ADMIN not in identity.roles:
        raise Problem(403, "only a program admin records on behalf of someone else", field="header.x-on-behalf-of",
                      rule="on_behalf_of")
    if not STAFF_ID.match(header):
        raise Problem(422, "X-On-Behalf-Of names a staff id (letters, digits, . _ : -; at most 64)",
                      field="header.x-on-behalf-of", rule="pattern")
    return replace(identity, on_behalf_of=header)


async def authenticate(request: Request,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Identity:
    identity = await identify(request, credentials.credentials if credentials else None)
    return acting_for(identity, request.headers.get(ON_BEHALF_HEADER))


CurrentCaller = Annotated[Identity, Depends(authenticate)]
