"""Browser tests of the console: the whole process platform (tests/e2e/platform.py) with the console,
a Keycloak of this test session (free port, in-memory database, the repo's realm) whose tokens the
gateway trusts beside the dev key, a local SMTP server for the pages, and Debian's Chromium driven
by Playwright (no browser download: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1, executable_path). The
console refreshes the access token before every request here, so the refresh grant is exercised."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from peerbridge_console.devrealm import Keycloak, gateway_trust

from ..platform import Inbox, Platform, private_platform, smtp_inbox
from .idp import keycloak_server

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO / "docs" / "console" / "screenshots"
AXE = REPO / "services" / "console" / "src" / "peerbridge_console" / "static" / "vendor" / "axe.min.js"


@pytest.fixture(scope="session")
def keycloak(tmp_path_factory) -> Iterator[str]:
    """A Keycloak of this session, with the peerbridge realm imported: its base URL."""
    with keycloak_server(tmp_path_factory.mktemp("keycloak") / "keycloak.log") as base:
        yield base


@pytest.fixture(scope="package")
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture(scope="package")
def platform(migrated_database, kafka_settings, kafka_admin, smtp, keycloak, tmp_path_factory) -> Iterator[Platform]:
    with private_platform(migrated_database, kafka_settings, tmp_path_factory.mktemp("console-platform"),
                          smtp_port=smtp[1], console_settings={
                              "oidc_issuer": f"{keycloak}/realms/peerbridge",
                              # the realm's access tokens live 300 s: every request refreshes first,
                              # so the refresh grant runs all through the tests
                              "refresh_before_s": 300},
                          trusted_issuers=json.dumps(gateway_trust(keycloak))) as running_platform:
        yield running_platform


@pytest.fixture(scope="package")
def admin_keycloak(keycloak) -> Keycloak:
    return Keycloak(keycloak)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def wait_until(read, condition, timeout_s: float = 60, what: str = ""):  # noqa: ANN001, ANN201
    deadline, seen = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        seen = read()
        if condition(seen):
            return seen
        time.sleep(0.5)
    raise AssertionError(f"{what} never held; last seen: {str(seen)[:1500]}")


class Api:
    """The gateway as one user with a dev token; every answer's status checked."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.base, self.headers = base, headers

    def __call__(self, method: str, path: str, expect: int = 200, **options) -> dict | list:
        response = httpx.request(method, f"{self.base}/v1{path}", headers=self.headers, timeout=30, **options)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text[:600]}"
        return response.json() if response.content else {}


def axe_check(page, name: str) -> None:  # noqa: ANN001
    """axe-core (the pinned npm package) in the page: no serious or critical violation. Evaluated
    through the DevTools protocol, so the page's CSP ('self' only) stays as it is."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


def new_context(browser, **options):  # noqa: ANN001, ANN201
    """A fresh browser profile (no cookies), patient with a machine shared by several test runs."""
    context = browser.new_context(**options)
    context.set_default_timeout(60_000)
    context.set_default_navigation_timeout(120_000)
    return context


def sign_in(page, username: str, password: str | None = None) -> None:  # noqa: ANN001
    """Keycloak's own login form, as a person fills it."""
    page.wait_for_selector("#username", timeout=120_000)
    page.fill("#username", username)
    page.fill("#password", password or f"{username}-dev")
    page.click("#kc-login")


