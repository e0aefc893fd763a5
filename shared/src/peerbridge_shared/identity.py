"""The caller's identity inside PeerBridge.

The gateway verifies the user's OIDC token, then calls a service with a short-lived internal
token it signs (HS256 with the shared internal secret): organization (tenant), user id, roles.
Services refuse any call without a valid one, and scope every query to its organization.
The token also names the programs the caller works in (``programs``) and, for a program admin
recording for a member of staff, whom they act for (``on_behalf_of``). What a caller may see and
do with participant-level data follows from these in ``scope.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, Header, HTTPException, Request

ISSUER = "peerbridge-gateway"
AUDIENCE = "peerbridge-internal"
ALGORITHM = "HS256"


class Role(StrEnum):
    PEER = "peer"
    SUPERVISOR = "supervisor"
    CLINICIAN = "clinician"
    PROGRAM_ADMIN = "program_admin"
    FUNDER = "funder"
    PLATFORM_ADMIN = "platform_admin"


@dataclass(frozen=True)
class Identity:
    organization_id: str
    user_id: str
    roles: frozenset[Role]
    programs: frozenset[str] | None = None
    """The programs the caller works in; None or empty: none named (a program admin then reaches the
    whole organization, a peer their caseload anywhere, a clinician or supervisor nothing)."""
    on_behalf_of: str | None = None
    """A program admin recording for this member of staff (audited with both ids)."""

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def actor(self) -> str:
        """Who a record names as having acted: the caller, or whom a program admin acts for."""
        return self.on_behalf_of or self.user_id


def issue_internal_token(identity: Identity, secret: str, ttl_s: int = 60) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": identity.user_id,
        "org": identity.organization_id,
        "roles": sorted(identity.roles),
        **({"programs": sorted(identity.programs)} if identity.programs is not None else {}),
        **({"on_behalf_of": identity.on_behalf_of} if identity.on_behalf_of else {}),
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_internal_token(token: str, secret: str) -> Identity:
    """The identity in ``token``; raises ``jwt.InvalidTokenError`` when it is not valid now."""
    claims = jwt.decode(token, secret, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                        options={"require": ["exp", "sub", "org"]})
    try:
        roles = frozenset(Role(role) for role in claims.get("roles", []))
    except ValueError as exc:
        raise jwt.InvalidTokenError(str(exc)) from None
    programs = frozenset(claims["programs"]) if "programs" in claims else None
    on_behalf_of = claims.get("on_behalf_of")
    if on_behalf_of is not None and Role.PROGRAM_ADMIN not in roles:
        raise jwt.InvalidTokenError("only a program admin acts on behalf of someone else")
    return Identity(organization_id=claims["org"], user_id=claims["sub"], roles=roles, programs=programs,
                    on_behalf_of=on_behalf_of)


def current_identity(request: Request, authorization: Annotated[str | None, Header()] = None) -> Identity:
    """FastAPI dependency: the verified caller, or 401. The secret is the app's settings'
    ``internal_token_secret`` (``create_service_app`` keeps the settings on ``app.state``)."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "an internal identity token is required", headers={"WWW-Authenticate": "Bearer"})
    secret = request.app.state.settings.internal_token_secret.get_secret_value()
    try:
        return verify_internal_token(token, secret)
    except jwt.InvalidTokenError as exc:
        raise HTTPException(401, f"invalid identity token: {exc}", headers={"WWW-Authenticate": "Bearer"}) from None


CurrentIdentity = Annotated[Identity, Depends(current_identity)]


def main(argv: list[str] | None = None) -> int:
    """``peerbridge-internal-token --role program_admin --org org-demo``: a token for calling a
    service directly in development (the gateway mints these in production)."""
    import argparse
    import os

    from .settings import DEV_SECRET

    parser = argparse.ArgumentParser(prog="peerbridge-internal-token", description=main.__doc__)
    parser.add_argument("--org", default="org-demo", help="organization (tenant) id")
    parser.add_argument("--user", default="demo-user")
    parser.add_argument("--role", action="append", choices=[r.value for r in Role], default=None)
    parser.add_argument("--program", action="append", default=None, help="a program the caller works in")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds")
    args = parser.parse_args(argv)
    secret = os.environ.get("PEERBRIDGE_INTERNAL_TOKEN_SECRET", DEV_SECRET)
    roles = frozenset(Role(r) for r in (args.role or [Role.PROGRAM_ADMIN.value]))
    programs = frozenset(args.program) if args.program else None
    print(issue_internal_token(Identity(args.org, args.user, roles, programs), secret, ttl_s=args.ttl))
    return 0
