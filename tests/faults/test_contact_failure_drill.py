"""Drill: one clinician whose contact fails in every way cannot hold up anyone else's page.

Organization A's clinician X has verified contact methods that fail in every way a channel can (kept
from before addresses were validated: an unparseable webhook URL, a webhook that refuses, one that
times out, an unparseable e-mail address) and 1,000 of A's notifications pending for X. Meanwhile
organization B's case pages its clinician, and A's other clinicians are paged too. Prints B's page
latency before and during A's backlog, A's other clinicians' latency, and what became of X's
notifications. Restarts nothing: the platform is the drill's own processes against the shared stack
(run it alone: ``pytest tests/faults/test_contact_failure_drill.py``)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, insert, select

from peerbridge_escalation.cases.models import Case
from peerbridge_escalation.rosters.models import ClinicianContact
from peerbridge_escalation.routing.models import Notification
from peerbridge_shared.db import Database
from peerbridge_simulator.tokens import DevTokens, User

from ..e2e.platform import private_platform, smtp_inbox
from ..e2e.test_safety_signal_to_funder_feed import Api

BACKLOG = 1000
PAGE_TIMEOUT_S = 120


class Receivers:
    """Webhook receivers: pagers that echo verification and note when each page arrived, one that
    refuses (403) and one that never answers in time."""

    def __init__(self) -> None:
        self.arrived: dict[str, list[float]] = {}
        arrived = self.arrived

        class Pager(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if self.path.startswith("/refuse"):
                    self.send_response(403)
                    self.end_headers()
                    return
                if self.path.startswith("/slow"):
                    time.sleep(30)
                    return
                answer = json.dumps({"challenge": body.get("challenge")}).encode()
                if body.get("type") != "contact.verification":
                    arrived.setdefault(body.get("case_id", "?"), []).append(time.monotonic())
                self.send_response(200)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Pager)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait_for(self, case_id: str, timeout_s: float) -> float | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.arrived.get(case_id):
                return self.arrived[case_id][0]
            time.sleep(0.05)
        return None


class Organization:
    def __init__(self, platform, receivers: Receivers, label: str) -> None:
        self.id = f"org-drill-{label}-{uuid.uuid4().hex[:6]}"
        self.tokens = DevTokens(self.id, platform.dev_key)
        self.admin = Api(platform.gateway, self.tokens, User(f"admin-{label}", ("program_admin",)))
        self.receivers = receivers
        self.program = self.admin("POST", "/programs", 201, json={"name": f"Drill {label}",
                                                                   "time_zone": "America/New_York"})["id"]
        self.site = self.admin("POST", f"/programs/{self.program}/sites", 201, json={"name": "Clinic"})["id"]

    def clinician(self, name: str, *, pager: bool = True) -> str:
        clinician = self.admin("POST", "/clinicians", 201, json={
            "display_name": f"Dr {name}", "license_type": "LCSW", "license_number": f"NC-{name}",
            "jurisdiction": "NC"})["id"]
        if pager:
            [contact] = self.admin("PUT", f"/clinicians/{clinician}/contacts", json=[
                {"channel": "webhook", "address": f"{self.receivers.base}/pager/{clinician}"}])
            assert contact["verified"], contact
        return clinician

    def screen_positive(self, clinician: str) -> tuple[str, float]:
        """A participant of ``clinician`` answers PHQ-9 item 9 = 2; returns (participant, when)."""
        today = datetime.now(UTC).date()
        person = self.admin("POST", "/participants", 201, json={
            "given_name": "Drill", "family_name": "Person", "birth_date": "1980-04-02"})["id"]
        self.admin("POST", f"/participants/{person}/consents", 201, json={
            "program_id": self.program, "kind": "program", "granted": True,
            "effective_at": datetime.now(UTC).isoformat()})
        self.admin("POST", "/enrollments", 201, json={
            "participant_id": person, "program_id": self.program, "site_id": self.site,
            "enrolled_on": str(today - timedelta(days=7)), "clinician_id": clinician})
        submitted = time.monotonic()
        self.admin("POST", f"/participants/{person}/questionnaire-responses", 201, json={
            "program_id": self.program, "instrument": "phq9", "completed_at": datetime.now(UTC).isoformat(),
            "answers": {str(i): 2 for i in range(1, 10)}})
        return person, submitted

    def case_of(self, person: str, timeout_s: float = PAGE_TIMEOUT_S) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for case in self.admin("GET", "/cases", params={"status": "open"}):
                if case["participant_id"] == person:
                    return case["id"]
            time.sleep(0.2)
        raise AssertionError(f"no case for {person} in {timeout_s} s")


def paged_after(org: Organization, clinician: str) -> float:
    person, submitted = org.screen_positive(clinician)
    case_id = org.case_of(person)
    arrived = org.receivers.wait_for(case_id, PAGE_TIMEOUT_S)
    assert arrived is not None, f"{org.id}'s case {case_id} was not paged in {PAGE_TIMEOUT_S} s"
    return arrived - submitted


def break_every_way(database: Database, org: Organization, clinician: str, receivers: Receivers) -> None:
    """X's methods as they could be on file from before validation: each fails differently."""
    broken = [("webhook", "https://pager.example.org:99999/unparseable"), ("webhook", f"{receivers.base}/refuse"),
              ("webhook", f"{receivers.base}/slow"), ("email", "x@@not an address\r\nBcc: all@example.org")]
    with database.transaction() as session:
        session.execute(insert(ClinicianContact), [
            {"id": str(uuid.uuid4()), "organization_id": org.id, "clinician_id": clinician, "channel": channel,
             "address": address, "verified": True, "verification": "verified", "priority": priority}
            for priority, (channel, address) in enumerate(broken)])


def backlog(database: Database, org: Organization, clinician: str, case_id: str, count: int) -> None:
    first = "https://pager.example.org:99999/unparseable"
    with database.transaction() as session:
        session.execute(insert(Notification), [
            {"id": str(uuid.uuid4()), "organization_id": org.id, "case_id": case_id, "level": 0,
             "clinician_id": clinician, "round_id": str(uuid.uuid4()), "channel": "webhook", "address": first,
             "status": "pending", "attempts": 0} for _ in range(count)])


def fates(database: Database, org: Organization, clinician: str) -> Counter:
    with database.transaction() as session:
        rows = session.execute(select(Notification.channel, Notification.address, Notification.status,
                                      func.count()).where(Notification.organization_id == org.id,
                                                          Notification.clinician_id == clinician)
                               .group_by(Notification.channel, Notification.address, Notification.status))
        return Counter({f"{channel}:{address[:40]}:{status}": n for channel, address, status, n in rows})


@pytest.fixture(scope="module")
def platform(migrated_database, kafka_settings, kafka_admin, tmp_path_factory):
    with (smtp_inbox() as (_, smtp_port),
          private_platform(migrated_database, kafka_settings, tmp_path_factory.mktemp("contact-drill"),
                           smtp_port=smtp_port) as running):
        yield running


@pytest.mark.timeout(900)
def test_a_contact_failing_every_way_with_a_backlog_delays_no_other_page(platform, report):
    receivers = Receivers()
    database = Database(platform.specs["escalation"].env["ESCALATION_DATABASE_URL"])
    a, b = Organization(platform, receivers, "a"), Organization(platform, receivers, "b")
    x = a.clinician("broken", pager=False)
    break_every_way(database, a, x, receivers)
    y, z, w = a.clinician("healthy-1"), a.clinician("healthy-2"), b.clinician("b")
    baseline = paged_after(b, w)

    person, _ = a.screen_positive(x)
    x_case = a.case_of(person)
    backlog(database, a, x, x_case, BACKLOG)
    time.sleep(2)  # the delivery worker is into A's backlog
    during = [paged_after(b, w) for _ in range(3)]
    others = [paged_after(a, y), paged_after(a, z)]
    alive = platform.processes["escalation-delivery"].poll() is None
    with database.transaction() as session:
        x_case_level = session.scalar(select(Case.current_level).where(Case.id == x_case))
    outcome = fates(database, a, x)
    database.dispose()

    report(f"[contact drill] B paged in {baseline:.2f} s before A's backlog of {BACKLOG}; during it: "
           + ", ".join(f"{s:.2f} s" for s in during)
           + "; A's other clinicians paged in " + ", ".join(f"{s:.2f} s" for s in others))
    report(f"[contact drill] X's notifications now: {dict(outcome)}; X's case at level {x_case_level}; "
           f"delivery worker alive: {alive}")
    assert alive, "the delivery worker survived every broken record"
    assert sum(n for key, n in outcome.items() if key.endswith(":failed")) > 0, "X's tries were recorded and parked"
