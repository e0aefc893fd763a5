"""The authenticated caller: a FastAPI dependency that verifies the bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from peerbridge_shared.identity import Identity
from peerbridge_shared.web import Problem

from .auth.tokens import InvalidUserToken, verify_user_token

bearer = HTTPBearer(auto_error=False, description="a user token (RS256) from the identity provider; in development "
                                                  "`peerbridge-dev-token --org ORG --role ROLE`")


async def identify(request: Request, token: str | None) -> Identity:
    """The identity in ``token`` (401 problem when missing or invalid)."""
    if not token:
        raise Problem(401, "a bearer token is required", rule="authenticated",
                      headers={"WWW-Authenticate": 'Bearer realm="peerbridge"'})
    gateway = request.app.state.gateway
    try:
        identity = await verify_user_token(token, keys=gateway.keys, settings=gateway.settings,
                                           client=gateway.upstreams.client)
    except InvalidUserToken as exc:
        raise Problem(401, f"invalid token: {exc}", rule="valid_token",
                      headers={"WWW-Authenticate": 'Bearer realm="peerbridge", error="invalid_token"'}) from None
    request.state.identity = identity
    return identity


async def authenticate(request: Request,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Identity:
    return await identify(request, credentials.credentials if credentials else None)


CurrentCaller = Annotated[Identity, Depends(authenticate)]
