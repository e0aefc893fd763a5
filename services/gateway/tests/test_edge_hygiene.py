"""Edge hygiene: X-Forwarded-For believed only from GATEWAY_TRUSTED_PROXIES (none by default, and
uvicorn's own proxy header handling off), and user tokens valid for longer than
GATEWAY_MAX_TOKEN_LIFETIME_S refused with a clear 401."""

from __future__ import annotations

from ipaddress import ip_network

import httpx
from fastapi.testclient import TestClient
from starlette.requests import Request

from peerbridge_gateway.app import create_app
from peerbridge_gateway.ratelimit import client_address


def connection(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 5000), "headers": headers, "path": "/", "query_string": b""})


def test_forwarded_for_is_believed_only_from_a_trusted_proxy():
    proxies = [ip_network("10.0.0.0/8")]
    assert client_address(connection("127.0.0.1", "203.0.113.9"), []) == "127.0.0.1", "none trusted by default"
    assert client_address(connection("198.51.100.7", "203.0.113.9"), proxies) == "198.51.100.7", "not a proxy"
    assert client_address(connection("10.1.2.3", "203.0.113.9"), proxies) == "203.0.113.9"
    spoofed = connection("10.1.2.3", "1.1.1.1, 203.0.113.9, 10.4.4.4")  # the client wrote 1.1.1.1 itself
    assert client_address(spoofed, proxies) == "203.0.113.9"
    assert client_address(connection("10.1.2.3", "not-an-address"), proxies) == "10.1.2.3"


def test_a_served_gateway_never_takes_the_client_address_from_the_header(gateway_settings, run_server):
    settings = gateway_settings.model_copy(update={"rate_limit_per_ip": 2})
    base = run_server(create_app(settings))
    answers = [httpx.get(f"{base}/v1/me", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
               for n in range(4)]
    assert answers[:2] == [401, 401] and 429 in answers[2:], "a new forged address per request changes nothing"


def test_a_token_valid_for_longer_than_allowed_is_refused(gateway_settings, token, tenant):
    with TestClient(create_app(gateway_settings)) as client:
        century = client.get("/v1/me", headers=token(tenant, "peer", ttl_s=100 * 365 * 24 * 3600))
        assert century.status_code == 401
        assert "more than the 43200 s allowed" in century.json()["detail"]
        assert century.json()["errors"][0]["rule"] == "valid_token"
        assert client.get("/v1/me", headers=token(tenant, "peer", ttl_s=12 * 3600)).status_code == 200
