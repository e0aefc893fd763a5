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
