"""``peerbridge-dev-token --org org-demo --role clinician [--program P] [--user U]``: a user token
signed with the dev key (created under .stack/ on first use), which a gateway in dev or test trusts
when no other key set is configured. Prod never trusts it (other issuer, no dev key)."""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Iterable

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from peerbridge_shared.identity import Role

from ..settings import GatewaySettings
from .dev_keys import ensure_dev_key, public_jwk


def sign_user_token(key: rsa.RSAPrivateKey, *, issuer: str, audience: str, organization: str, user: str,
                    roles: Iterable[str], programs: Iterable[str] = (), ttl_s: int = 3600,
                    **extra_claims: object) -> str:
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "sub": user, "org": organization, "roles": sorted(roles),
              "programs": sorted(programs), "iat": now, "exp": now + ttl_s, "jti": uuid.uuid4().hex, **extra_claims}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": public_jwk(key)["kid"]})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="peerbridge-dev-token", description=__doc__)
    parser.add_argument("--org", default="org-demo", help="organization (tenant) id")
    parser.add_argument("--role", action="append", choices=[r.value for r in Role], help="repeatable")
    parser.add_argument("--user", default=None, help="user id (default: <role>-demo)")
    parser.add_argument("--program", action="append", default=[], help="a program the user works in; repeatable")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds")
    args = parser.parse_args(argv)
    settings = GatewaySettings()
    if settings.environment == "prod":
        parser.error("dev tokens are refused in prod")
    roles = args.role or [Role.PROGRAM_ADMIN.value]
    key = ensure_dev_key(settings.dev_key_file)
    print(sign_user_token(key, issuer=settings.jwt_issuer, audience=settings.jwt_audience, organization=args.org,
                          user=args.user or f"{roles[0]}-demo", roles=roles, programs=args.program, ttl_s=args.ttl))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
