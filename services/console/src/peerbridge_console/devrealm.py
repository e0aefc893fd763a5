"""The development identity provider: the local Keycloak's ``peerbridge`` realm, from
deploy/local/keycloak/realm-peerbridge.json, and the demo users' PeerBridge claims.

Program and clinician ids are made at run time by scheduling, so the realm's users cannot carry
them in the file. This tool puts them on the users (Keycloak user attributes ``org``,
``peerbridge_user``, ``programs``, mapped into the tokens' claims) through Keycloak's admin API:

    peerbridge-console-realm setup --keycloak http://127.0.0.1:8080
    peerbridge-console-realm programs --keycloak ... --gateway http://127.0.0.1:8000 --org org-demo \
        --token "$(peerbridge-dev-token --org org-demo --role program_admin)"
        (every program of the organization, for its clinicians and supervisors; run after `make simulate`)
    peerbridge-console-realm user clinician --keycloak ... [--org O] [--id CLINICIAN_ID] [--program P ...]
    peerbridge-console-realm trust --keycloak ...   (GATEWAY_TRUSTED_ISSUERS for this realm)
    peerbridge-console-realm users                  (the demo users and their dev passwords)

Development and tests only: it signs in as Keycloak's bootstrap admin."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import httpx

REALM = "peerbridge"
REALM_FILE = Path(__file__).resolve().parents[4] / "deploy" / "local" / "keycloak" / "realm-peerbridge.json"
ADMIN_USER, ADMIN_PASSWORD = "admin", "admin-dev"
PROGRAM_ROLES = ("peerbridge-clinicians", "peerbridge-supervisors")
GROUP_ROLES = {"peerbridge-peers": "peer", "peerbridge-supervisors": "supervisor",
               "peerbridge-clinicians": "clinician", "peerbridge-program-admins": "program_admin",
               "peerbridge-funders": "funder"}
DEMO_USERS = [("clinician", "clinician, on call"), ("clinician2", "clinician"), ("supervisor", "supervisor"),
              ("peer", "peer"), ("admin", "program admin"), ("funder", "funder"),
              ("other-clinician", "clinician of another organization, org-other")]


def gateway_trust(keycloak: str) -> list[dict]:
    """GATEWAY_TRUSTED_ISSUERS for this realm: its JWKS, its claim names, its groups as roles."""
    issuer = f"{keycloak.rstrip('/')}/realms/{REALM}"
    return [{"issuer": issuer, "jwks_url": f"{issuer}/protocol/openid-connect/certs",
             "claims": {"user": "peerbridge_user", "organization": "org", "roles": "roles", "programs": "programs",
                        "groups": "groups"},
             "group_roles": GROUP_ROLES}]


class Keycloak:
    """Keycloak's admin REST API as the bootstrap admin."""

    def __init__(self, base: str, user: str = ADMIN_USER, password: str = ADMIN_PASSWORD) -> None:
        self.base = base.rstrip("/")
        token = httpx.post(f"{self.base}/realms/master/protocol/openid-connect/token", timeout=30, data={
            "grant_type": "password", "client_id": "admin-cli", "username": user, "password": password})
        token.raise_for_status()
        self.client = httpx.Client(base_url=f"{self.base}/admin/realms", timeout=30,
                                   headers={"Authorization": f"Bearer {token.json()['access_token']}"})

    def call(self, method: str, path: str, **options: object) -> httpx.Response:
        response = self.client.request(method, path, **options)  # type: ignore[arg-type]
        if response.status_code >= 400:
            raise RuntimeError(f"Keycloak {method} {path}: {response.status_code} {response.text[:300]}")
        return response

    def ensure_realm(self, realm_file: Path = REALM_FILE) -> bool:
        """Import the realm unless it exists; True when it was imported now."""
        if self.client.get(f"/{REALM}").status_code == 200:
            return False
        self.call("POST", "", json=json.loads(realm_file.read_text()))
        # Keycloak's user profile drops attributes it does not declare unless told to keep them
        profile = self.call("GET", f"/{REALM}/users/profile").json()
        self.call("PUT", f"/{REALM}/users/profile", json={**profile, "unmanagedAttributePolicy": "ADMIN_EDIT"})
        return True

    def user(self, username: str) -> dict:
        found = self.call("GET", f"/{REALM}/users", params={"username": username, "exact": "true"}).json()
        if not found:
            raise LookupError(f"no user {username!r} in realm {REALM}")
        return self.call("GET", f"/{REALM}/users/{found[0]['id']}").json()

    def set_claims(self, username: str, *, organization: str | None = None, peerbridge_id: str | None = None,
                   programs: list[str] | None = None) -> None:
        user = self.user(username)
        attributes = dict(user.get("attributes") or {})
        for name, value in (("org", organization), ("peerbridge_user", peerbridge_id)):
            if value is not None:
                attributes[name] = [value]
        if programs is not None:
            attributes["programs"] = programs
        self.call("PUT", f"/{REALM}/users/{user['id']}", json={**user, "attributes": attributes})

    def members(self, group: str) -> list[dict]:
        groups = self.call("GET", f"/{REALM}/groups", params={"search": group, "exact": "true"}).json()
        return self.call("GET", f"/{REALM}/groups/{groups[0]['id']}/members").json() if groups else []


def wait_for(base: str, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base.rstrip('/')}/realms/master", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"Keycloak at {base} did not answer in {timeout_s:.0f} s")
        time.sleep(0.5)


def programs_of(gateway: str, token: str) -> list[str]:
    """The organization's programs, read through the gateway with a program admin's token."""
    response = httpx.get(f"{gateway.rstrip('/')}/v1/programs", params={"limit": 500},
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
    response.raise_for_status()
    return [program["id"] for program in response.json()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="peerbridge-console-realm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["setup", "programs", "user", "trust", "users"])
    parser.add_argument("username", nargs="?")
    parser.add_argument("--keycloak", default="http://127.0.0.1:8080")
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--org", default=None)
    parser.add_argument("--id", default=None, help="the user's PeerBridge id (a clinician's id in scheduling)")
    parser.add_argument("--program", action="append", default=None)
    parser.add_argument("--token", default=None, help="programs: a program admin's bearer token for the gateway")
    args = parser.parse_args(argv)
    if args.command == "trust":
        print(json.dumps(gateway_trust(args.keycloak)))
        return 0
    if args.command == "users":
        for username, role in DEMO_USERS:
            print(f"              {username:<16} password {username + '-dev':<20} ({role})")
        return 0
    wait_for(args.keycloak)
    keycloak = Keycloak(args.keycloak)
    if args.command == "setup":
        print("realm imported" if keycloak.ensure_realm() else "realm already there")
    elif args.command == "programs":
        organization = args.org or "org-demo"
        if not args.token:
            parser.error("programs needs --token (a program admin's token)")
        programs = programs_of(args.gateway, args.token)
        for group in PROGRAM_ROLES:
            for member in keycloak.members(group):
                if (member.get("attributes") or {}).get("org") == [organization]:
                    keycloak.set_claims(member["username"], programs=programs)
                    print(f"{member['username']}: {len(programs)} programs")
    else:
        if not args.username:
            parser.error("user needs a username")
        keycloak.set_claims(args.username, organization=args.org, peerbridge_id=args.id, programs=args.program)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
