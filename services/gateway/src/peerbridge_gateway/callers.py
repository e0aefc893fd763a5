"""The authenticated caller: a FastAPI dependency that verifies the bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem

from .auth.tokens import InvalidUserToken, verify_user_token
from .ratelimit import client_address

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
                                           client=gateway.upstreams.client, cache=gateway.verified)
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


async def authenticate(request: Request,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Identity:
    return await identify(request, credentials.credentials if credentials else None)


CurrentCaller = Annotated[Identity, Depends(authenticate)]
