"""Pages leave through real channels: a local SMTP server (aiosmtpd) and a local HTTPS-less webhook
receiver; the webhook is HMAC-signed; a failing channel falls back to the next one; no PHI."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from peerbridge_escalation.notify.channels import EmailChannel, PhoneChannel, WebhookChannel
from peerbridge_escalation.notify.delivery import deliver_pending
from peerbridge_escalation.rosters import service as rosters
from peerbridge_escalation.rosters.schemas import ContactCreate
from peerbridge_escalation.routing.models import Notification

from .conftest import verified
from .test_intake import NOW
from .test_ladder import open_high_case, published, staff_program

CONSOLE = "https://console.example.org"
SECRET = "test-webhook-secret-0123456789abcdef"


@pytest.fixture
def webhook():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, f"http://127.0.0.1:{server.server_address[1]}/pager"
    server.shutdown()


def channels(smtp_port):
    return {"webhook": WebhookChannel(SECRET, allow_http_localhost=True),
            "email": EmailChannel("127.0.0.1", smtp_port, "alerts@peerbridge"),
            "sms": PhoneChannel(None, voice=False)}


def set_contacts(db, admin, clinician, contacts):
    with db.transaction() as session:
        rosters.replace_contacts(session=session, caller=admin, clinician_id=clinician,
                                 contacts=[ContactCreate(**c) for c in contacts], start_verification=verified)


def test_a_signed_webhook_page_carries_the_case_number_and_a_link_but_no_phi(escalation_db, tenant, webhook, smtp):
    received, url = webhook
    participant, admin = staff_program(escalation_db, tenant)
    set_contacts(escalation_db, admin, "own-1", [{"channel": "webhook", "address": url}])
    case_id = open_high_case(escalation_db, tenant, participant)
    assert deliver_pending(escalation_db, channels(smtp[1]), "https://console.example.org", NOW) >= 1

    [(headers, body)] = received
    expected = "sha256=" + hmac.new(SECRET.encode(), headers["X-PeerBridge-Timestamp"].encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
    assert headers["X-PeerBridge-Signature"] == expected
    page = json.loads(body)
    assert page["link"] == f"https://console.example.org/cases/{case_id}" and page["case_number"].startswith("ESC-")
    assert participant not in body.decode(), "not even the pseudonymous participant id leaves"
    sent = [e.data for e in published(escalation_db, tenant) if e.type.endswith("notified.v1")]
    assert [(n.channel, n.recipient_id) for n in sent] == [("in_app", "own-1"), ("webhook", "own-1")]


def test_a_failed_channel_falls_back_to_the_next_contact_method(escalation_db, tenant, smtp):
    inbox, port = smtp
    participant, admin = staff_program(escalation_db, tenant)
    set_contacts(escalation_db, admin, "own-1", [
        {"channel": "webhook", "address": "http://127.0.0.1:9/closed", "priority": 0},
        {"channel": "sms", "address": "+19195550100", "priority": 1},
        {"channel": "email", "address": "own-1@clinic.example.org", "priority": 2}])
    case_id = open_high_case(escalation_db, tenant, participant)
    # a refused connection may pass: tried 3 times with backoff (5 s, 10 s), then the next method;
    # no SMS gateway cannot pass: the next method at once
    assert deliver_pending(escalation_db, channels(port), "https://console.example.org", NOW) == 0
    assert deliver_pending(escalation_db, channels(port), CONSOLE, NOW + timedelta(seconds=4)) == 0
    assert deliver_pending(escalation_db, channels(port), CONSOLE, NOW + timedelta(seconds=5)) == 0
    assert deliver_pending(escalation_db, channels(port), CONSOLE, NOW + timedelta(seconds=15)) == 1

    [(recipients, content)] = inbox.messages
    assert recipients == ["own-1@clinic.example.org"] and "needs a clinician to acknowledge" in content
    with escalation_db.transaction() as session:
        tried = [(n.channel, n.status, n.last_error, n.attempts) for n in session.scalars(
            select(Notification).where(Notification.case_id == case_id).order_by(Notification.created_at,
                                                                                  Notification.attempts))]
    assert [(c, s, a) for c, s, _, a in tried] == [("webhook", "failed", 3), ("sms", "failed", 1),
                                                    ("email", "sent", 1)]
    assert tried[0][2] == "webhook unreachable: ConnectError" and tried[1][2] == "no sms gateway configured"


def test_nothing_is_sent_after_an_acknowledgement(escalation_db, tenant, smtp):
    from peerbridge_escalation.cases import service as cases
    from peerbridge_shared.identity import Identity, Role

    inbox, port = smtp
    participant, admin = staff_program(escalation_db, tenant)
    set_contacts(escalation_db, admin, "own-1", [{"channel": "email", "address": "own-1@clinic.example.org"}])
    case_id = open_high_case(escalation_db, tenant, participant)
    clinician = Identity(tenant, "own-1", frozenset({Role.CLINICIAN}), programs=frozenset({"prog-1"}))
    with escalation_db.transaction() as session:
        cases.acknowledge(session=session, caller=clinician, case_id=case_id, clock=lambda: NOW + timedelta(seconds=30))
    assert deliver_pending(escalation_db, channels(port), "https://console.example.org", NOW) == 0
    assert inbox.messages == []
