"""Contact methods are verified by the platform, end to end: a code by e-mail through a real local
SMTP server that the clinician enters; a signed challenge a real HTTP receiver must echo; addresses
refused per channel; internal webhook addresses refused; ``verified`` never settable by a caller."""

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from fastapi.testclient import TestClient

from peerbridge_escalation.app import create_app
from peerbridge_escalation.settings import EscalationSettings
from peerbridge_shared.deps import get_clock
from peerbridge_shared.events import utc_now

from .test_cases_api import headers

CODE = re.compile(r"verification code is (\d{6})")


class Clock:
    def __init__(self):
        self.now = utc_now()

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(escalation_url, smtp, clock):
    settings = EscalationSettings(database_url=escalation_url, smtp_port=smtp[1], webhook_allow_http_localhost=True)
    app = create_app(settings)
    app.dependency_overrides[get_clock] = lambda: clock
    with TestClient(app) as test_client:
        yield test_client
    app.state.database.dispose()


def code_in(inbox, address):
    for recipients, content in reversed(inbox.messages):
        if recipients == [address]:
            return CODE.search(content).group(1)
    raise AssertionError(f"no code sent to {address}")


def verify_by_email(client, inbox, tenant, clinician, address):
    """What a clinician does: add the address, read the code, enter it. Returns the contact."""
    [added] = client.put(f"/clinicians/{clinician}/contacts", json=[{"channel": "email", "address": address}],
                         headers=headers(tenant, "admin-1")).json()
    assert (added["verified"], added["verification"]) == (False, "code_sent")
    entered = client.post(f"/clinicians/{clinician}/contacts/{added['id']}/verify",
                          json={"code": code_in(inbox, address)}, headers=headers(tenant, clinician))
    assert entered.status_code == 200, entered.text
    return entered.json()


@pytest.fixture
def echoing_webhook():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        echo = True

        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((dict(self.headers), body))
            answer = json.dumps({"challenge": body.get("challenge") if Handler.echo else "nope"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield seen, f"http://127.0.0.1:{server.server_address[1]}/pager", Handler
    server.shutdown()


def test_an_email_contact_counts_only_after_the_clinician_enters_the_code_it_received(client, smtp, tenant,
                                                                                       clock):
    inbox, _ = smtp
    admin, ana = headers(tenant, "admin-1"), headers(tenant, "ana")
    [added] = client.put("/clinicians/ana/contacts", json=[{"channel": "email", "address": "Ana@Clinic.Example.org"}],
                         headers=admin).json()
    assert added["verified"] is False and added["verification"] == "code_sent"
    code = code_in(inbox, "Ana@clinic.example.org")  # the domain normalized, the local part kept
    path = f"/clinicians/ana/contacts/{added['id']}/verify"

    assert client.post(path, json={"code": code}, headers=admin).status_code == 403, "not the admin's to enter"
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post(path, json={"code": wrong}, headers=ana)
    assert refused.status_code == 422 and refused.json()["errors"][0] == {
        "field": "body.code", "rule": "wrong_code", "message": "the code is not the one sent"}
    assert client.post(path, json={"code": "12ab56"}, headers=ana).status_code == 422
    entered = client.post(path, json={"code": code}, headers=ana).json()
    assert (entered["verified"], entered["verification"]) == (True, "verified")

    again = client.put("/clinicians/ana/contacts", json=[
        {"channel": "email", "address": "Ana@clinic.example.org", "priority": 1},
        {"channel": "sms", "address": "+19195550100", "priority": 0}], headers=admin).json()
    assert [(c["channel"], c["verified"], c["verification"]) for c in again] == [
        ("email", True, "verified"), ("sms", False, "send_failed")], "kept; no SMS gateway here"
    assert again[1]["verification_error"] == "no sms gateway configured"
    assert len(inbox.messages) == 1, "an address already on file is not sent a new code"


def test_a_code_expires_and_wrong_codes_run_out(client, smtp, tenant, clock):
    inbox, _ = smtp
    admin, ben = headers(tenant, "admin-1"), headers(tenant, "ben")
    [added] = client.put("/clinicians/ben/contacts", json=[{"channel": "email", "address": "ben@example.org"}],
                         headers=admin).json()
    path = f"/clinicians/ben/contacts/{added['id']}/verify"
    code = code_in(inbox, "ben@example.org")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post(path, json={"code": wrong}, headers=ben).json()["errors"][0]["rule"] == "wrong_code"
    assert client.post(path, json={"code": code}, headers=ben).json()["errors"][0]["rule"] == "code_tries"

    resent = client.post(f"/clinicians/ben/contacts/{added['id']}/verification", headers=admin).json()
    assert resent["verification"] == "code_sent"
    fresh = code_in(inbox, "ben@example.org")
    clock.now += timedelta(minutes=16)
    assert client.post(path, json={"code": fresh}, headers=ben).json()["errors"][0]["rule"] == "code_expired"


def test_a_webhook_is_verified_by_echoing_a_signed_challenge(client, tenant, echoing_webhook):
    seen, url, handler = echoing_webhook
    [added] = client.put("/clinicians/cy/contacts", json=[{"channel": "webhook", "address": url}],
                         headers=headers(tenant, "admin-1")).json()
    assert (added["verified"], added["verification"]) == (True, "verified")
    [(sent_headers, body)] = seen
    assert body["type"] == "contact.verification" and len(body["challenge"]) >= 32
    assert sent_headers["X-PeerBridge-Signature"].startswith("sha256=")

    handler.echo = False
    [other] = client.put("/clinicians/dee/contacts", json=[{"channel": "webhook", "address": url + "/dee"}],
                         headers=headers(tenant, "admin-1")).json()
    assert (other["verified"], other["verification"]) == (False, "challenge_failed")


@pytest.mark.parametrize("channel, address, rule", [
    ("email", "ana@example.org\r\nBcc: all@example.org", "unicode"),
    ("email", "not an address", "email"),
    ("sms", "919-555-0100", "e164"),
    ("voice", "+1 555", "e164"),
    ("webhook", "ftp://pager.example.org/x", "https"),
    ("webhook", "https://user:secret@pager.example.org/x", "no_credentials"),
    ("webhook", "https://pager.example.org:99999/x", "url"),
])
def test_an_address_its_channel_cannot_use_is_refused_naming_the_rule(client, tenant, channel, address, rule):
    refused = client.put("/clinicians/ana/contacts", json=[{"channel": channel, "address": address}],
                         headers=headers(tenant, "admin-1"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "body.0.address"
    assert refused.json()["errors"][0]["rule"] == rule


@pytest.mark.parametrize("address", ["https://127.0.0.1:8002/cases", "https://169.254.169.254/latest/meta-data",
                                     "https://10.1.2.3/x", "https://[::1]/x", "https://localhost:8001/"])
def test_a_webhook_into_the_cluster_is_never_called_nor_verified(client, tenant, address, echoing_webhook):
    seen, _, _ = echoing_webhook
    [added] = client.put("/clinicians/ana/contacts", json=[{"channel": "webhook", "address": address}],
                         headers=headers(tenant, "admin-1")).json()
    assert added["verified"] is False and added["verification"] == "send_failed"
    assert "non-public address" in added["verification_error"]


def test_verified_cannot_be_set_by_a_caller(client, tenant):
    refused = client.put("/clinicians/ana/contacts", json=[
        {"channel": "email", "address": "ana@example.org", "verified": True}], headers=headers(tenant, "admin-1"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.0.verified"
