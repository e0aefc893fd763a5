"""One program, end to end, through the gateway only (real processes, see platform.py):

enroll, match a peer, schedule a recurring group, record attendance, a peer submits a PHQ-9 with
item 9 = 2 -> the participant's own clinician gets the case on their WebSocket and by e-mail ->
nobody acknowledges -> after the deadline (1 minute, the program's escalation policy: own
clinician, then the backup, then the medical director) the backup gets it -> the backup
acknowledges -> resolves with a disposition -> /v1/measures, the outcome report and the funder's
webhook reflect it, with small cells suppressed.

The signal names the own clinician (scheduling knows the enrollment), so the first page does not
depend on the escalation worker having read the enrollment topic first (no order across topics)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from websockets.sync.client import connect

from peerbridge_simulator.tokens import DevTokens, User

ZONE = ZoneInfo("America/New_York")
DEADLINE_MINUTES = 1
GROUP_SIZE = 12  # a group large enough that its attendance counts are published, not suppressed


class Api:
    """Calls to the gateway as one user; every answer checked by the caller."""

    def __init__(self, base: str, tokens: DevTokens, user: User) -> None:
        self.base, self.tokens, self.user = base, tokens, user

    def __call__(self, method: str, path: str, expect: int = 200, headers: dict | None = None,
                 **options) -> dict | list | str:
        response = httpx.request(method, f"{self.base}/v1{path}", headers={**self.tokens.headers(self.user),
                                                                           **(headers or {})}, timeout=30, **options)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text[:600]}"
        if response.headers.get("content-type", "").startswith("text/csv"):
            return response.text
        return response.json() if response.content else {}


class Socket:
    """A clinician's WebSocket, read in a thread while the block runs: every case event, in order."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.url, self.headers = base.replace("http://", "ws://") + "/v1/events/ws", headers
        self.events: list[dict] = []

    def __enter__(self) -> Socket:
        self._connection = connect(self.url, additional_headers=self.headers, open_timeout=10)
        self.ws = self._connection.__enter__()
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:  # noqa: ANN002
        self._connection.__exit__(*exc_info)

    def _read(self) -> None:
        try:
            while True:
                message = json.loads(self.ws.recv())
                if message["kind"] == "event":
                    self.events.append(message)
        except Exception:  # noqa: BLE001 - the socket closed
            pass

    def wait_for(self, predicate, timeout_s: float) -> dict:  # noqa: ANN001
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [event for event in self.events if predicate(event)]
            if found:
                return found[0]
            time.sleep(0.1)
        names = [(e["name"], e["event"]["data"].get("recipient_id")) for e in self.events]
        raise AssertionError(f"no matching event in {timeout_s:.0f} s; got {names}")


def wait_until(read, condition, timeout_s: float = 120, what: str = "") -> object:  # noqa: ANN001
    deadline, seen = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        seen = read()
        if condition(seen):
            return seen
        time.sleep(1)
    raise AssertionError(f"{what} never held; last seen: {json.dumps(seen, default=str)[:1500]}")


def month(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(UTC).strftime("%Y-%m")


def policy(minutes: int) -> dict:
    """Every risk level: own clinician -> the backup (the program's escalation supervisor) -> medical director."""
    ladder = [{"targets": [target], "acknowledge_minutes": minutes, "repeats": 0}
              for target in ("own_clinician", "supervisor", "medical_director")]
    return {"version": "e2e-1", "time_zone": "America/New_York",
            "risks": {level: {"levels": ladder} for level in ("imminent", "high", "moderate", "low")}}


@pytest.mark.timeout(600)
def test_a_phq9_item9_answer_reaches_the_clinician_then_the_backup_and_the_funder_feed(platform, smtp, receiver):
    inbox = smtp[0]
    org = f"org-e2e-{uuid.uuid4().hex[:8]}"
    platform.cases.watch(org)
    tokens = DevTokens(org, platform.dev_key)
    admin = Api(platform.gateway, tokens, User("admin-e2e", ("program_admin",)))
    funder = Api(platform.gateway, tokens, User("funder-e2e", ("funder",)))

    # set-up: program, site, staff who can be paged, a roster, a policy with 1-minute deadlines
    program = admin("POST", "/programs", 201, json={"name": "E2E peer program", "time_zone": "America/New_York",
                                                     "payer_ids": ["medicaid-nc"], "auto_no_show": False})["id"]
    site = admin("POST", f"/programs/{program}/sites", 201, json={"name": "Main clinic"})["id"]
    supervisor = admin("POST", "/supervisors", 201, json={"display_name": "Sam Supervisor", "credential": "LCSW"})["id"]
    clinicians = {}
    for role in ("primary", "backup", "director"):
        clinicians[role] = admin("POST", "/clinicians", 201, json={
            "display_name": f"Dr {role.title()}", "license_type": "LCSW", "license_number": f"NC-{role}",
            "jurisdiction": "NC", "medical_director": role == "director"})["id"]
        address = f"{role}@clinicians.example.org"
        [contact] = admin("PUT", f"/clinicians/{clinicians[role]}/contacts", json=[
            {"channel": "email", "address": address}])
        code = re.search(r"verification code is (\d{6})", inbox.to(address)[-1]).group(1)
        as_clinician = Api(platform.gateway, tokens, User(clinicians[role], ("clinician",)))
        assert as_clinician("POST", f"/clinicians/{clinicians[role]}/contacts/{contact['id']}/verify",
                            json={"code": code})["verified"], "the clinician entered the code e-mailed to them"

    def pages_to(address):  # not the verification code
        return [m for m in inbox.to(address) if "verification code" not in m]

    admin("PUT", f"/programs/{program}/escalation-contacts", json={
        "supervisor_id": clinicians["backup"], "medical_director_id": clinicians["director"]})
    today = datetime.now(ZONE).date()
    admin("POST", "/rosters", 201, json={
        "program_id": program, "time_zone": "America/New_York", "effective_from": str(today - timedelta(days=1)),
        "effective_until": str(today + timedelta(days=14)),
        "layers": [{"name": "primary", "members": [clinicians["primary"]],
                    "starts_on": str(today - timedelta(days=2))}]})
    admin("PUT", f"/programs/{program}/escalation-policy", json=policy(DEADLINE_MINUTES))
    assert admin("GET", f"/programs/{program}/on-call")["clinician_id"] == clinicians["primary"]
    webhook = funder("POST", "/webhooks", 201, json={"url": receiver.url, "program_ids": [program]})
    peer = admin("POST", "/peers", 201, json={
        "program_id": program, "display_name": "Pat Peer", "credential_type": "CPSS", "credential_number": "C-1",
        "credential_expires_on": str(today + timedelta(days=365)), "certified_on": str(today - timedelta(days=800)),
        "languages": ["en"], "tags": ["veteran"], "supervisor_id": supervisor})["id"]
    as_peer = Api(platform.gateway, tokens, User(peer, ("peer",)))

    # enroll and match: the participant who will screen positive, and eleven more for the group
    people = []
    for n in range(GROUP_SIZE):
        person = admin("POST", "/participants", 201, json={
            "given_name": "Zebulon" if n == 0 else f"Person{n}", "family_name": "Quixote",
            "birth_date": "1980-04-02"})["id"]
        admin("POST", f"/participants/{person}/consents", 201, json={
            "program_id": program, "kind": "program", "granted": True, "effective_at": datetime.now(UTC).isoformat()})
        enrollment = admin("POST", "/enrollments", 201, json={
            "participant_id": person, "program_id": program, "site_id": site, "payer_id": "medicaid-nc",
            "enrolled_on": str(today - timedelta(days=7)), "clinician_id": clinicians["primary"]})["id"]
        matches = admin("GET", f"/enrollments/{enrollment}/peer-matches", params={"tags": "veteran"})
        assert matches[0]["peer_id"] == peer and matches[0]["eligible"], matches
        admin("PUT", f"/enrollments/{enrollment}/peer", json={"peer_id": peer})
        people.append(person)
    participant = people[0]

    # a recurring group: weekly from two days ago; attendance for the one that took place
    first = datetime.combine(today - timedelta(days=2), datetime.min.time()).replace(hour=10)
    series = admin("POST", "/session-series", 201, json={
        "program_id": program, "site_id": site, "kind": "group", "modality": "in_person", "peer_ids": [peer],
        "participant_ids": people, "rrule": "FREQ=WEEKLY;COUNT=3", "first_local_start": first.isoformat(),
        "duration_minutes": 90})
    held, upcoming = series["sessions"][0], series["sessions"][1]
    assert len(series["sessions"]) == 3 and datetime.fromisoformat(held["starts_at"]) < datetime.now(UTC)
    records = [{"participant_id": person, "status": "attended", "minutes_present": 85} for person in people]
    as_peer("POST", f"/sessions/{upcoming['id']}/attendance", 422, json={"facilitator_peer_id": peer,
                                                                         "records": records})
    as_peer("POST", f"/sessions/{held['id']}/attendance", 201, json={"facilitator_peer_id": peer, "records": records})

    # the clinicians are watching; the peer submits a PHQ-9 with item 9 = 2
    primary_user = User(clinicians["primary"], ("clinician",), (program,))
    backup_user = User(clinicians["backup"], ("clinician",), (program,))
    with Socket(platform.gateway, tokens.headers(primary_user)) as primary_ws, \
            Socket(platform.gateway, tokens.headers(backup_user)) as backup_ws:
        answers = {str(i): 2 for i in range(1, 10)}
        response = as_peer("POST", f"/participants/{participant}/questionnaire-responses", 201, json={
            "program_id": program, "instrument": "phq9", "answers": answers,
            "completed_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()})
        assert response["safety_signal"] and response["total_score"] == 18

        # our case (other runs' escalation workers on the shared topics may open cases of their own)
        listed = wait_until(lambda: admin("GET", "/cases"), lambda cases: any(
            c["participant_id"] == participant for c in cases), 180, "the case")
        case_id = next(c["id"] for c in listed if c["participant_id"] == participant)
        opened = primary_ws.wait_for(lambda e: e["name"] == "case.opened" and e["event"]["case_id"] == case_id, 60)
        case = opened["event"]
        assert (case["risk_level"], case["data"]["participant_id"]) == ("high", participant)
        number = case["case_number"]
        primary_ws.wait_for(lambda e: e["name"] == "case.notified" and e["event"]["case_id"] == case_id
                            and e["event"]["data"]["recipient_id"] == clinicians["primary"], timeout_s=30)
        wait_until(lambda: pages_to("primary@clinicians.example.org"), bool, 30, "the primary's e-mail page")
        assert not [e for e in backup_ws.events if e["name"] == "case.notified"
                    and e["event"]["data"]["recipient_id"] == clinicians["backup"]], "the backup is paged only later"

        # nobody acknowledges: after the deadline the case climbs to the backup
        acknowledge_by = datetime.fromisoformat(case["data"]["acknowledge_by"])
        paged = backup_ws.wait_for(lambda e: e["name"] == "case.notified" and e["event"]["case_id"] == case_id
                                   and e["event"]["data"]["recipient_id"] == clinicians["backup"],
                                   timeout_s=DEADLINE_MINUTES * 60 + 60)
        assert datetime.fromisoformat(paged["event"]["data"]["notified_at"]) >= acknowledge_by
        names = [e["name"] for e in backup_ws.events if e["event"]["case_id"] == case_id]
        assert names.index("case.breached") < names.index("case.escalated") < len(names)
        escalated = backup_ws.wait_for(lambda e: e["name"] == "case.escalated" and e["event"]["case_id"] == case_id,
                                       timeout_s=1)["event"]["data"]
        assert (escalated["from_level"], escalated["to_level"], escalated["reason"]) == (0, 1, "deadline_passed")
        backup_mail = wait_until(lambda: pages_to("backup@clinicians.example.org"), bool, 30, "the backup's page")
        assert number in backup_mail[0]
        assert not any("Zebulon" in message or "Quixote" in message for _, message in inbox.messages), "no PHI"

        # the backup acknowledges, then resolves with a disposition
        backup = Api(platform.gateway, tokens, backup_user)
        acknowledged = backup("POST", f"/cases/{case_id}/acknowledge")
        assert (acknowledged["status"], acknowledged["acknowledged_by"]) == ("acknowledged", clinicians["backup"])
        backup("POST", f"/cases/{case_id}/resolve", 422, json={"note": "no code"})
        resolved = backup("POST", f"/cases/{case_id}/resolve", json={"disposition_code": "safety-plan-reviewed",
                                                                     "note": "Safety plan reviewed by phone."})
        assert (resolved["status"], resolved["disposition_code"]) == ("resolved", "safety-plan-reviewed")
        primary_ws.wait_for(lambda e: e["name"] == "case.resolved" and e["event"]["case_id"] == case_id, 30)
        view = backup("GET", f"/cases/{case_id}")
        assert [s["rule"] for s in view["signals"]] == ["phq9.item9_ge_2"]

    # metrics: attendance in the group's month, the screen and the case in theirs
    session_month, case_month = month(held["starts_at"]), month(resolved["opened_at"])
    screen_month = month(response["completed_at"])

    def measures() -> dict:
        return admin("GET", "/measures", params={"program_id": program})

    def row(figures: dict, family: str, key: str) -> dict:
        return next((r for r in figures[family] if r["key"][1:] == [program, key]), {})

    def reflected(figures: dict) -> bool:
        engagement, safety = row(figures, "engagement", session_month), row(figures, "safety", case_month)
        screens = row(figures, "safety", screen_month)
        foreign = [c for c in platform.cases.of(org).values() if c.case_id != case_id
                   and month(c.opened_at.isoformat()) == case_month]
        assert {c.risk_level for c in foreign} <= {"high"}, foreign
        return (engagement.get("active_participants"), engagement.get("sessions_attended"),
                engagement.get("no_shows"), screens.get("screens"), screens.get("positive_screens"),
                safety.get("cases_by_level"), safety.get("acknowledged"), safety.get("within_deadline"),
                safety.get("breached_cases"), row(figures, "questionnaires", "phq9").get("completions")) == (
            GROUP_SIZE, GROUP_SIZE, 0, 1, 1, {"high": 1 + len(foreign)}, 1, 0, 1, 1)

    wait_until(measures, reflected, 120, "metrics reflecting the program")

    # the funder's outcome report once the period is closed (the platform's feed clock runs ahead):
    # the group's counts published, the single case suppressed, and each suppression listed for audit
    def report(period: str) -> dict:
        return funder("GET", f"/feeds/{program}/{period}")

    wait_until(lambda: funder("GET", "/feeds", params={"program_id": program}),
               lambda listed: {(f["program_id"], f["period"]) for f in listed} >= {
                   (program, session_month), (program, case_month)}, 60, "the closed periods' reports")
    attendance = wait_until(lambda: report(session_month), lambda r: r["measures"]["sessions_attended"] == 12,
                            60, "the session month's report")
    assert attendance["measures"]["participants_active"] == GROUP_SIZE
    # the breach may land in a correction after the version that first counted the case
    cases = wait_until(lambda: report(case_month), lambda r: "cases" in r["suppression"]
                       and r["measures"]["cases_breached"] != 0, 60, "the case's report counting its breach")
    assert cases["measures"]["cases"] is None and cases["suppression"]["cases"].startswith("primary")
    assert cases["measures"]["cases_high"] is None and cases["measures"]["cases_breached"] is None
    assert {"cell": "cases", "rule": cases["suppression"]["cases"]} in cases["audit"]["suppressed"]
    assert cases["audit"]["equations"] and cases["version"] >= 1
    for published in (attendance, cases):
        assert not [name for name, value in published["measures"].items()
                    if isinstance(value, int) and 0 < value < 11], "no published count from 1 to 10"
    csv = funder("GET", f"/feeds/{program}/{case_month}", headers={"Accept": "text/csv"})
    assert f"{program},{case_month},cases,,primary" in csv
    assert participant not in json.dumps(cases) and participant not in csv

    # and the funder's webhook got the signed report
    def delivered() -> list[dict]:
        found = []
        for headers, body in list(receiver.received):
            expected = hmac.new(webhook["secret"].encode(), headers["x-peerbridge-timestamp"].encode() + b"." + body,
                                hashlib.sha256).hexdigest()
            assert headers["x-peerbridge-signature"] == f"sha256={expected}"
            found.append(json.loads(body)["report"])
        return found

    reports = wait_until(delivered, lambda found: any(r["period"] == case_month and "cases" in r["suppressed"]
                                                      for r in found), 90, "the webhook delivery")
    assert all(r["program_id"] == program for r in reports)
