"""User tokens: RS256 with trusted keys, issuer, audience and expiry checked; the dev token command;
prod never trusts the dev key."""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from peerbridge_gateway.auth.dev_keys import ensure_dev_key, public_jwk
from peerbridge_gateway.auth.dev_token import main as dev_token
from peerbridge_gateway.auth.dev_token import sign_user_token
from peerbridge_gateway.settings import DEV_ISSUER, GatewaySettings
from peerbridge_shared.web import PROBLEM_JSON

from .conftest import AUDIENCE


def test_a_valid_token_is_the_callers_identity(gateway, token):
    me = gateway.get("/v1/me", headers=token("org-a", "clinician", user="clin-7", programs=["p1", "p2"]))
    assert me.status_code == 200
    assert me.json() == {"organization_id": "org-a", "user_id": "clin-7", "roles": ["clinician"],
                         "programs": ["p1", "p2"]}


@pytest.mark.parametrize("change, reason", [
    ({"iss": "https://elsewhere"}, "issuer"),
    ({"aud": "another-api"}, "audience"),
    ({"exp": int(time.time()) - 600}, "expired"),
    ({"org": ""}, "org"),
    ({"roles": ["astronaut"]}, "roles"),
])
def test_bad_tokens_are_401_problems_saying_why(gateway, dev_key_file, change, reason):
    key = ensure_dev_key(dev_key_file)
    signed = sign_user_token(key, issuer=DEV_ISSUER, audience=AUDIENCE, organization="org-a", user="u",
                             roles=["peer"])
    payload = jwt.decode(signed, options={"verify_signature": False}) | change
    forged = jwt.encode(payload, key, algorithm="RS256", headers={"kid": public_jwk(key)["kid"]})
    response = gateway.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401 and response.headers["content-type"] == PROBLEM_JSON
    assert reason in response.json()["detail"].lower() or reason in json.dumps(response.json())
    assert "invalid_token" in response.headers["www-authenticate"]


def test_a_token_signed_by_an_unknown_key_or_with_hs256_is_refused(gateway):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unknown = sign_user_token(stranger, issuer=DEV_ISSUER, audience=AUDIENCE, organization="org-a", user="u",
                              roles=["program_admin"])
    assert gateway.get("/v1/me", headers={"Authorization": f"Bearer {unknown}"}).status_code == 401
    claims = {"iss": DEV_ISSUER, "aud": AUDIENCE, "sub": "u", "org": "org-a", "roles": ["peer"],
              "iat": int(time.time()), "exp": int(time.time()) + 60}
    symmetric = jwt.encode(claims, "a-guessed-shared-secret-of-32-bytes-or-more", algorithm="HS256")
    assert gateway.get("/v1/me", headers={"Authorization": f"Bearer {symmetric}"}).status_code == 401
    missing = gateway.get("/v1/me")
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")


def test_the_dev_token_command_signs_a_token_the_gateway_trusts(gateway, gateway_settings, monkeypatch, capsys):
    monkeypatch.setenv("GATEWAY_DEV_KEY_FILE", gateway_settings.dev_key_file)
    assert dev_token(["--org", "org-demo", "--role", "funder", "--program", "p9"]) == 0
    printed = capsys.readouterr().out.strip()
    me = gateway.get("/v1/me", headers={"Authorization": f"Bearer {printed}"}).json()
    assert (me["organization_id"], me["roles"], me["user_id"], me["programs"]) == (
        "org-demo", ["funder"], "funder-demo", ["p9"])


def test_prod_refuses_the_dev_key_and_the_dev_issuer(monkeypatch):
    monkeypatch.setenv("GATEWAY_INTERNAL_TOKEN_SECRET", "a-real-secret-from-the-vault-0123456789")
    with pytest.raises(ValidationError, match="jwks_url or jwks_file"):
        GatewaySettings(environment="prod")
    with pytest.raises(ValidationError, match="dev token issuer"):
        GatewaySettings(environment="prod", jwks_url="https://idp.example.org/jwks")
    for name, value in {"ENVIRONMENT": "prod", "JWKS_URL": "https://idp.example.org/jwks",
                        "JWT_ISSUER": "https://idp.example.org"}.items():
        monkeypatch.setenv(f"GATEWAY_{name}", value)
    with pytest.raises(SystemExit):
        dev_token(["--org", "org-demo"])


def test_keys_come_from_a_jwks_url_and_rotate(run_server, gateway_settings, tenant):
    """An identity provider's JWKS URL: a token signed with a newly rotated key is accepted after a refetch."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from peerbridge_gateway.app import create_app

    first, second = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    published = {"keys": [public_jwk(first)]}
    idp = FastAPI()
    idp.get("/jwks")(lambda: published)
    issuer = "https://idp.example.org"
    settings = gateway_settings.model_copy(update={"jwks_url": run_server(idp) + "/jwks", "jwt_issuer": issuer,
                                                   "jwks_refresh_min_s": 0})

    def bearer(key):
        signed = sign_user_token(key, issuer=issuer, audience=AUDIENCE, organization=tenant, user="u",
                                 roles=["peer"])
        return {"Authorization": f"Bearer {signed}"}

    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        assert client.get("/v1/me", headers=bearer(first)).status_code == 200
        assert client.get("/v1/me", headers=bearer(second)).status_code == 401
        published["keys"] = [public_jwk(first), public_jwk(second)]
        assert client.get("/v1/me", headers=bearer(second)).status_code == 200


def test_the_first_jwks_fetch_happens_just_after_boot_and_refetches_are_spaced(run_server):
    """The monotonic clock starts near 0 at boot: a key set never fetched is fetched, whatever it says."""
    import asyncio

    import httpx
    from fastapi import FastAPI

    from peerbridge_gateway.auth.keys import KeySet

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fetches = []
    idp = FastAPI()

    @idp.get("/jwks")
    def jwks():
        fetches.append(1)
        return {"keys": [public_jwk(key)]}

    now = [3.0]
    keys = KeySet(url=run_server(idp) + "/jwks", refresh_min_s=30, clock=lambda: now[0])

    async def refresh_at(*moments):
        async with httpx.AsyncClient() as client:
            for moment in moments:
                now[0] = moment
                await keys.refresh(client)

    asyncio.run(refresh_at(3.0))
    keys.check_ready()
    assert len(fetches) == 1
    asyncio.run(refresh_at(20.0, 32.9))
    assert len(fetches) == 1
    asyncio.run(refresh_at(33.0))
    assert len(fetches) == 2


def test_a_remembered_token_is_refused_once_it_expires(gateway_settings, dev_key_file):
    from fastapi.testclient import TestClient

    from peerbridge_gateway.app import create_app

    key = ensure_dev_key(dev_key_file)
    with TestClient(create_app(gateway_settings.model_copy(update={"jwt_leeway_s": 0}))) as client:
        short = sign_user_token(key, issuer=DEV_ISSUER, audience=AUDIENCE, organization="org-a", user="u",
                                roles=["peer"], ttl_s=2)  # signed once the app is up (a slow start ate it)
        assert client.get("/v1/me", headers={"Authorization": f"Bearer {short}"}).status_code == 200
        assert client.get("/v1/me", headers={"Authorization": f"Bearer {short}"}).status_code == 200  # cached
        time.sleep(2.2)
        assert client.get("/v1/me", headers={"Authorization": f"Bearer {short}"}).status_code == 401


def test_another_issuer_is_trusted_beside_the_dev_key_with_its_own_claims_and_groups(run_server, gateway_settings,
                                                                                      dev_key_file, tenant):
    """An OIDC provider that sends groups and its own claim names (as Keycloak, Entra ID or Okta do):
    its tokens map to PeerBridge roles by group, while dev tokens keep working in dev."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from peerbridge_gateway.app import create_app
    from peerbridge_gateway.settings import TrustedIssuer

    idp_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    idp = FastAPI()
    idp.get("/certs")(lambda: {"keys": [public_jwk(idp_key)]})
    issuer = "https://sso.example.org/realms/peerbridge"
    trusted = TrustedIssuer.model_validate({
        "issuer": issuer, "jwks_url": run_server(idp) + "/certs", "audience": "peerbridge-console",
        "claims": {"user": "peerbridge_user", "organization": "tenant", "groups": "groups"},
        "group_roles": {"sg-clinicians": "clinician", "sg-peers": "peer"}})
    settings = gateway_settings.model_copy(update={"trusted_issuers": [trusted]})

    def provider_token(key=idp_key, **claims):
        now = int(time.time())
        body = {"iss": issuer, "aud": "peerbridge-console", "sub": "5f0c-uuid", "iat": now, "exp": now + 60,
                "peerbridge_user": "clin-9", "tenant": tenant, "groups": ["sg-clinicians", "staff"],
                "programs": ["p1"], **claims}
        signed = jwt.encode(body, key, algorithm="RS256", headers={"kid": public_jwk(key)["kid"]})
        return {"Authorization": f"Bearer {signed}"}

    with TestClient(create_app(settings)) as client:
        me = client.get("/v1/me", headers=provider_token())
        assert me.status_code == 200, me.text
        assert me.json() == {"organization_id": tenant, "user_id": "clin-9", "roles": ["clinician"],
                             "programs": ["p1"]}
        dev = sign_user_token(ensure_dev_key(dev_key_file), issuer=DEV_ISSUER, audience=AUDIENCE,
                              organization=tenant, user="cli", roles=["program_admin"])
        assert client.get("/v1/me", headers={"Authorization": f"Bearer {dev}"}).status_code == 200
        # an unmapped group is no role; the other issuer's audience is not this one's; a foreign key is refused
        assert client.get("/v1/me", headers=provider_token(groups=["staff"])).status_code == 401
        assert client.get("/v1/me", headers=provider_token(aud=AUDIENCE)).status_code == 401
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        assert client.get("/v1/me", headers=provider_token(key=stranger)).status_code == 401
        # a token signed with the dev key but naming the provider as issuer is refused
        forged = provider_token(key=ensure_dev_key(dev_key_file))
        assert client.get("/v1/me", headers=forged).status_code == 401
        unknown = provider_token(iss="https://elsewhere.example.org")
        refused = client.get("/v1/me", headers=unknown)
        assert refused.status_code == 401 and "not trusted" in refused.json()["detail"]


def test_prod_may_trust_only_configured_providers(monkeypatch):
    from peerbridge_gateway.auth.issuers import trusted_issuers

    monkeypatch.setenv("GATEWAY_INTERNAL_TOKEN_SECRET", "a-real-secret-from-the-vault-0123456789")
    provider = {"issuer": "https://sso.example.org", "jwks_url": "https://sso.example.org/certs"}
    settings = GatewaySettings(environment="prod", trusted_issuers=[provider])
    assert not settings.primary_issuer_trusted
    with pytest.raises(Exception, match="not trusted"):
        trusted_issuers(settings)[DEV_ISSUER]
    with pytest.raises(ValidationError, match="configured twice"):
        GatewaySettings(trusted_issuers=[provider, provider])
    with pytest.raises(ValidationError, match="dev token issuer"):
        GatewaySettings(trusted_issuers=[{**provider, "issuer": DEV_ISSUER}])
    with pytest.raises(ValidationError, match="jwks_url or jwks_file"):
        GatewaySettings(trusted_issuers=[{"issuer": "https://sso.example.org"}])


def test_the_token_cache_keeps_no_token_and_never_outlives_the_signing_key_or_a_change(gateway_settings):
    """A remembered token is kept by its hash; a changed token is verified (and refused) afresh; once
    its key leaves the provider's key set (rotated out) the remembered token is refused too."""
    import asyncio

    import httpx

    from peerbridge_gateway.auth.issuers import Issuer, TrustedIssuers
    from peerbridge_gateway.auth.keys import KeySet
    from peerbridge_gateway.auth.tokens import InvalidUserToken, VerifiedTokens, verify_user_token

    old, new = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    keys = KeySet({"keys": [public_jwk(old)]})
    issuers, cache = TrustedIssuers([Issuer("https://idp.example.org", keys, AUDIENCE)]), VerifiedTokens()
    signed = sign_user_token(old, issuer="https://idp.example.org", audience=AUDIENCE, organization="org-a",
                             user="u", roles=["peer"])

    async def verify(token: str):
        async with httpx.AsyncClient() as client:
            return await verify_user_token(token, keys=issuers, settings=gateway_settings, client=client,
                                           cache=cache)

    assert asyncio.run(verify(signed)).user_id == "u"
    assert len(cache) == 1 and not any(signed.encode() in repr(entry).encode() for entry in cache._entries.items())
    header, payload, signature = signed.split(".")
    claims = jwt.decode(signed, options={"verify_signature": False}) | {"roles": ["program_admin"]}
    changed = ".".join([header, jwt.utils.base64url_encode(json.dumps(claims).encode()).decode(), signature])
    with pytest.raises(InvalidUserToken):
        asyncio.run(verify(changed))
    assert asyncio.run(verify(signed)).roles == {"peer"}  # still remembered, unchanged
    keys._install({"keys": [public_jwk(new)]})  # the provider rotated the old key out
    with pytest.raises(InvalidUserToken):
        asyncio.run(verify(signed))
    assert len(cache) == 0
