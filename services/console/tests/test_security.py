"""The console's own defences, attacked from outside (real Redis, no identity provider needed):
no page without a session, sessions end when idle or too old, forms need the session's CSRF token
and this origin, redirects after sign-in stay on the console, a forged or replayed callback is
refused, the headers allow only 'self', and prod refuses dev settings."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from redis.asyncio import Redis

from peerbridge_console.api import segment
from peerbridge_console.app import create_app
from peerbridge_console.sessions import SessionStore
from peerbridge_console.settings import ConsoleSettings
from peerbridge_console.web import local_path


@pytest.fixture
def settings() -> ConsoleSettings:
    return ConsoleSettings(environment="test", redis_prefix=f"test:console:{uuid.uuid4().hex[:8]}:",
                           cookie_secure=False, idle_timeout_s=60, absolute_timeout_s=300,
                           oidc_issuer="http://127.0.0.1:9/realms/none", gateway_url="http://127.0.0.1:9")


@pytest.fixture
def client(settings) -> TestClient:
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def _session(settings: ConsoleSettings, **changes: float) -> str:
    async def make() -> str:
        redis = Redis.from_url(settings.redis_url)
        store = SessionStore(redis, settings)
        session = await store.create(user={"organization_id": "org-a", "user_id": "clin-1", "roles": ["clinician"],
                                           "programs": [], "name": "C"},
                                     tokens={"access_token": "t", "expires_in": 3600})
        for name, value in changes.items():
            setattr(session, name, value)
        await store.save(session)
        await redis.aclose()
        return session.id
    with ThreadPoolExecutor(1) as thread:  # a loop of its own, whatever else runs (Playwright's sync API keeps one)
        return thread.submit(asyncio.run, make()).result()


def test_pages_need_a_session_and_keep_the_deep_link(client):
    response = client.get("/cases/abc-123?x=1")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fcases%2Fabc-123%3Fx%3D1"
    htmx = client.get("/inbox/rows", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"].startswith("/login?next=")
    assert client.get("/events").status_code == 303
    assert client.get("/cases/abc", cookies={"pb_console": "forged-session-id"}).status_code == 303


@pytest.mark.parametrize("target", ["//evil.example.org/x", "https://evil.example.org", "/\\evil.example.org",
                                    "javascript:alert(1)", "", None])
def test_redirects_after_sign_in_stay_on_the_console(target):
    assert local_path(target) == "/"
    assert local_path("/cases/1?contact=1") == "/cases/1?contact=1"


def test_sessions_end_when_idle_or_too_old(client, settings):
    alive = _session(settings)
    idle = _session(settings, last_seen=time.time() - settings.idle_timeout_s - 1)
    old = _session(settings, created_at=time.time() - settings.absolute_timeout_s - 1)
    # a live session reaches the form check (and fails it: 403); an ended one is sent to sign in (303)
    for session_id, expected in ((alive, 403), (idle, 303), (old, 303)):
        page = client.post("/purpose", cookies={"pb_console": session_id}, data={"csrf": "x"})
        assert page.status_code == expected


def test_forms_need_the_sessions_csrf_token_and_this_origin(client, settings):
    session_id = _session(settings)
    cookies = {"pb_console": session_id}
    assert client.post("/cases/c1/acknowledge", cookies=cookies, data={"key": "k"}).status_code == 403
    assert client.post("/cases/c1/acknowledge", cookies=cookies, data={"csrf": "guess", "key": "k"}).status_code == 403
    assert client.post("/logout", cookies=cookies, data={}).status_code == 403


def test_a_forged_or_replayed_callback_is_refused(client):
    forged = client.get("/auth/callback", params={"code": "stolen", "state": "never-issued"},
                        cookies={"pb_console_login": "never-issued"})
    assert forged.status_code == 400 and "expired" in forged.text
    refused = client.get("/auth/callback", params={"error": "access_denied"})
    assert refused.status_code == 400 and "access_denied" in refused.text


def test_headers_allow_only_self_and_cookies_are_http_only(client, settings):
    response = client.get("/signed-out")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy and "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy and response.headers["cache-control"] == "no-store"
    page = response.text
    assert "<script>" not in page and "style=" not in page and "//cdn" not in page
    assert client.get("/static/vendor/htmx.min.js").status_code == 200


def test_prod_refuses_dev_settings(monkeypatch):
    monkeypatch.setenv("CONSOLE_INTERNAL_TOKEN_SECRET", "a-real-secret-from-the-vault-0123456789")
    base = {"environment": "prod", "public_url": "https://console.example.org",
            "oidc_issuer": "https://sso.example.org/realms/peerbridge",
            "oidc_client_secret": "a-real-client-secret-from-the-vault-0123"}
    ConsoleSettings(**base)
    with pytest.raises(ValidationError, match="cookie_secure"):
        ConsoleSettings(**{**base, "cookie_secure": False})
    with pytest.raises(ValidationError, match="oidc_client_secret"):
        ConsoleSettings(**{**base, "oidc_client_secret": "peerbridge-console-dev-secret"})
    with pytest.raises(ValidationError, match="public_url"):
        ConsoleSettings(**{**base, "public_url": "http://console.example.org"})
    with pytest.raises(ValidationError, match="oidc_issuer"):
        ConsoleSettings(**{**base, "oidc_issuer": "http://127.0.0.1:8080/realms/peerbridge"})


@pytest.mark.parametrize(("hostile", "sent"), [("..", "%2E%2E"), (".", "%2E"), ("a/../b", "a%2F..%2Fb"),
                                               ("x?admin=1#y", "x%3Fadmin%3D1%23y"), ("é\r\n", "%C3%A9%0D%0A")])
def test_an_id_from_a_url_or_a_form_stays_one_segment_of_the_gateway_path(hostile, sent):
    assert segment(hostile) == sent
