"""Browser tests of the console: the whole process platform (tests/e2e/platform.py) with the console,
a Keycloak of this test session (free port, in-memory database, the repo's realm) whose tokens the
gateway trusts beside the dev key, a local SMTP server for the pages, and Debian's Chromium driven
by Playwright (no browser download: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1, executable_path). The
console refreshes the access token before every request here, so the refresh grant is exercised."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from peerbridge_console.devrealm import Keycloak, gateway_trust
from peerbridge_simulator.tokens import DevTokens, User

from ..platform import Inbox, Platform, private_platform, smtp_inbox
from .idp import keycloak_server

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO / "docs" / "console" / "screenshots"
ZONE = ZoneInfo("America/New_York")
# A page a click opens may not be parsed yet when an assertion reads it: the tests count rows with
# expect(...).to_have_count, which waits, as patient as the contexts below.
expect.set_options(timeout=60_000)
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


def tab_to(page, matches: str, limit: int = 80) -> None:  # noqa: ANN001
    """Press Tab until the focused element matches the CSS selector (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", matches):
            return
    raise AssertionError(f"Tab never reached {matches}")


def english_fragments() -> set[str]:
    """Every console message in English cut at its placeholders: the pieces of two words or more."""
    from babel.messages.pofile import read_po

    from peerbridge_console.i18n import LOCALE

    with (LOCALE / "es" / "LC_MESSAGES" / "console.po").open("rb") as po:
        ids = [m.id for m in read_po(po) if m.id]
    pieces = {piece.strip(" .,:;()") for message in ids for piece in re.split(r"%\(\w+\)s", message)}
    return {piece for piece in pieces if len(piece.split()) >= 2}


def console_text(page) -> str:  # noqa: ANN001
    """What the page says in its own words: program and platform data (translate="no") left out."""
    return page.evaluate("""() => { const copy = document.body.cloneNode(true);
        copy.querySelectorAll('[translate=no], script').forEach(e => e.remove()); return copy.innerText; }""")


def policy(minutes: int) -> dict:
    ladder = [{"targets": [target], "acknowledge_minutes": minutes, "repeats": 0}
              for target in ("own_clinician", "supervisor", "medical_director")]
    return {"version": "console-1", "time_zone": "America/New_York",
            "risks": {level: {"levels": ladder} for level in ("imminent", "high", "moderate", "low")}}


@pytest.fixture(scope="package")
def world(platform, admin_keycloak, smtp):
    """An organization with a program, its clinicians (the realm's 'clinician' is the primary), a roster,
    a participant enrolled with that clinician, and the realm's users' claims pointing at them."""
    org = f"org-console-{uuid.uuid4().hex[:8]}"
    platform.cases.watch(org)
    tokens = DevTokens(org, platform.dev_key)
    admin = Api(platform.gateway, tokens.headers(User("admin-console", ("program_admin",))))
    program = admin("POST", "/programs", 201, json={"name": "Console peer program", "time_zone": "America/New_York",
                                                     "payer_ids": ["medicaid-nc"], "auto_no_show": False})["id"]
    site = admin("POST", f"/programs/{program}/sites", 201, json={"name": "Main clinic"})["id"]
    clinicians = {}
    for role in ("primary", "backup", "director"):
        clinicians[role] = admin("POST", "/clinicians", 201, json={
            "display_name": f"Dr {role.title()}", "license_type": "LCSW", "license_number": f"NC-{role}",
            "jurisdiction": "NC", "medical_director": role == "director"})["id"]
        address = f"{role}-{org}@clinicians.example.org"
        [contact] = admin("PUT", f"/clinicians/{clinicians[role]}/contacts", json=[
            {"channel": "email", "address": address}])
        code = wait_until(lambda: smtp[0].to(address), bool, 60, "the verification e-mail")[-1]  # noqa: B023
        clinician = Api(platform.gateway, tokens.headers(User(clinicians[role], ("clinician",))))
        clinician("POST", f"/clinicians/{clinicians[role]}/contacts/{contact['id']}/verify",
                  json={"code": re.search(r"verification code is (\d{6})", code).group(1)})
    admin("PUT", f"/programs/{program}/escalation-contacts", json={
        "supervisor_id": clinicians["backup"], "medical_director_id": clinicians["director"]})
    today = datetime.now(ZONE).date()
    admin("POST", "/rosters", 201, json={
        "program_id": program, "time_zone": "America/New_York", "effective_from": str(today - timedelta(days=1)),
        "effective_until": str(today + timedelta(days=14)),
        "layers": [{"name": "primary", "members": [clinicians["primary"]],
                    "starts_on": str(today - timedelta(days=2))}]})
    admin("PUT", f"/programs/{program}/escalation-policy", json=policy(30))
    supervisor = admin("POST", "/supervisors", 201, json={"display_name": "Sam Supervisor", "credential": "LCSW"})["id"]
    peer = admin("POST", "/peers", 201, json={
        "program_id": program, "display_name": "Pat Peer", "credential_type": "CPSS", "credential_number": "C-1",
        "credential_expires_on": str(today + timedelta(days=365)), "certified_on": str(today - timedelta(days=800)),
        "languages": ["en"], "tags": [], "supervisor_id": supervisor})["id"]
    participant = admin("POST", "/participants", 201, json={
        "given_name": "Zebulon", "family_name": "Quixote", "birth_date": "1980-04-02",
        "phone": "+1 919 555 0100"})["id"]
    admin("POST", f"/participants/{participant}/consents", 201, json={
        "program_id": program, "kind": "program", "granted": True, "effective_at": datetime.now(UTC).isoformat()})
    enrollment = admin("POST", "/enrollments", 201, json={
        "participant_id": participant, "program_id": program, "site_id": site, "payer_id": "medicaid-nc",
        "enrolled_on": str(today - timedelta(days=7)), "clinician_id": clinicians["primary"]})["id"]
    admin("PUT", f"/enrollments/{enrollment}/peer", json={"peer_id": peer})
    now = datetime.now(UTC).replace(microsecond=0)
    visit = admin("POST", "/sessions", 201, json={  # under way: its attendance can be recorded
        "program_id": program, "site_id": site, "kind": "one_to_one", "modality": "in_person", "peer_ids": [peer],
        "participant_ids": [participant], "starts_at": (now - timedelta(minutes=30)).isoformat(),
        "ends_at": (now + timedelta(minutes=30)).isoformat()})["id"]
    admin("POST", f"/participants/{participant}/safety-plans", 201, json={
        "program_id": program, "warning_signs": ["not sleeping"], "people_to_ask_for_help": [{"name": "Sister Ann"}]})
    admin_keycloak.set_claims("clinician", organization=org, peerbridge_id=clinicians["primary"], programs=[program])
    admin_keycloak.set_claims("peer", organization=org, peerbridge_id=peer, programs=[])
    admin_keycloak.set_claims("funder", organization=org, peerbridge_id=f"funder-{org}", programs=[])
    admin_keycloak.set_claims("supervisor", organization=org, peerbridge_id=supervisor, programs=[program])
    admin_keycloak.set_claims("admin", organization=org, peerbridge_id=f"coordinator-{org}", programs=[])
    # another organization's clinician, even naming the same program id, must see nothing
    admin_keycloak.set_claims("other-clinician", organization=f"{org}-other", peerbridge_id="clin-elsewhere",
                              programs=[program])
    return {"org": org, "admin": admin, "program": program, "participant": participant, "clinicians": clinicians,
            "visit": visit, "supervisor": supervisor, "site": site}
