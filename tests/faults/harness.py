"""What the fault drills share: a steady load of safety signals into the platform's escalation
service (each for a new participant, counted only once Kafka acknowledged it), the checks of what
became of them, and control of the local stack's servers (deploy/local scripts)."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from kafka.errors import KafkaError
from sqlalchemy import text

from peerbridge_escalation.cases.intake import handle
from peerbridge_escalation.rosters import service as rosters
from peerbridge_escalation.rosters.schemas import ContactCreate, ProgramContactsSet, RosterPublish
from peerbridge_escalation.rosters.verification import mark_verified
from peerbridge_shared.db import Database
from peerbridge_shared.events import decode, new_envelope, utc_now
from peerbridge_shared.events.safety import RiskScreenCompleted, ScreenInstrument
from peerbridge_shared.events.scheduling import ParticipantEnrolled
from peerbridge_shared.identity import Identity, Role
from peerbridge_shared.messaging import create_producer, publish
from peerbridge_shared.testing.kafka_reader import KafkaReader
from peerbridge_shared.topics import CASES

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = "prog-drill"


def stack(script: str, *args: str) -> float:
    """Run a deploy/local script (e.g. ``stack("kafka", "stop")``); returns the seconds it took."""
    started = time.monotonic()
    subprocess.run(["bash", str(ROOT / "deploy" / "local" / f"{script}.sh"), *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def staff(database: Database, tenant: str) -> None:
    """Contacts, program contacts and a published roster, so every level of the ladder pages someone."""
    admin = Identity(tenant, "drill", frozenset({Role.PROGRAM_ADMIN}))
    today = utc_now().date()
    with database.transaction() as session:
        for clinician in ("own-1", "oncall-1", "sup-1", "md-1"):
            rosters.replace_contacts(session=session, caller=admin, clinician_id=clinician, contacts=[
                ContactCreate(channel="email", address=f"{clinician}@example.org")],
                start_verification=lambda row: mark_verified(row, utc_now()))  # verified before the drill
        rosters.set_program_contacts(session=session, caller=admin, program_id=PROGRAM, clock=utc_now,
                                     data=ProgramContactsSet(supervisor_id="sup-1", medical_director_id="md-1"))
        rosters.publish_roster(session=session, caller=admin, clock=utc_now, data=RosterPublish(
            program_id=PROGRAM, time_zone="UTC", effective_from=today - timedelta(days=1),
            effective_until=today + timedelta(days=1),
            layers=[{"name": "all", "members": ["oncall-1"], "starts_on": str(today - timedelta(days=7)),
                     "handoff": "00:00"}]))


@dataclass
class Target:
    """Where the signal load goes: an organization in the platform's escalation database."""

    database: Database
    tenant: str


class SignalLoad:
    """PHQ-9 item 9 = 2 screens, each for a new enrolled participant, at a steady rate in a thread.
    A signal counts as produced only once Kafka acknowledged it; an unacknowledged one is sent again
    (same event id: the exactly-once effect must hold for it too)."""

    def __init__(self, target: Target, kafka, rate_per_s: float = 20.0) -> None:
        self.target, self.rate = target, rate_per_s
        self.producer = create_producer(kafka, linger_ms=0, retries=2_147_483_647)
        self.acknowledged: list[str] = []  # participant ids
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SignalLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=300)
        self.producer.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            participant = f"p-{uuid.uuid4().hex[:10]}"
            self._enroll(participant)
            signal = new_envelope(RiskScreenCompleted(
                participant_id=participant, screen_id=str(uuid.uuid4()), program_id=PROGRAM,
                instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=2, completed_at=utc_now(), screened_by="drill",
                positive=True, rule_version="phq9@1:item9>0"), tenant=self.target.tenant, source="/drill",
                subject=participant)
            while True:
                try:
                    publish(self.producer, signal).get(timeout=60)
                    break
                except KafkaError:
                    self.failures += 1
                    time.sleep(0.5)
            self.acknowledged.append(participant)
            self._stop.wait(1 / self.rate)

    def _enroll(self, participant: str) -> None:
        """The care team escalation learns from enrollment (written straight to its database)."""
        while True:
            try:
                with self.target.database.transaction() as session:
                    handle(session, new_envelope(ParticipantEnrolled(
                        participant_id=participant, enrollment_id="e", program_id=PROGRAM, site_id="s",
                        enrolled_on=date(2026, 1, 1), clinician_id="own-1"), tenant=self.target.tenant,
                        source="/drill", subject=participant), utc_now())
                return
            except Exception:  # noqa: BLE001 - PostgreSQL may be the thing being restarted
                self.failures += 1
                time.sleep(0.5)


@dataclass
class Outcome:
    signals: int
    lost: list[str]  # acknowledged signals without a case
    duplicated: list[str]  # participants with more than one case, or more than one case-opened event
    unpaged: list[str]  # cases without a notification
    seconds_to_settle: float

    def report(self, drill: str, recovery_s: float) -> str:
        return (f"[drill] {drill}: {self.signals} signals, lost {len(self.lost)}, duplicated {len(self.duplicated)}, "
                f"unpaged {len(self.unpaged)}; recovery {recovery_s:.1f} s, all settled {self.seconds_to_settle:.1f} s "
                f"after the load stopped")


def settle(target: Target, kafka, participants: list[str], timeout_s: float = 180) -> Outcome:
    """Wait until every acknowledged signal has its case, its case-opened event and a page (or time out).
    Case-opened events are counted per case of the target database, by distinct event id (a
    redelivered record is the same event; another deployment reading the same topics is not us)."""
    started = time.monotonic()
    reader = KafkaReader(kafka, [CASES.name], from_beginning=True)
    opened: dict[str, set[str]] = {}  # case id -> case-opened event ids
    wanted = set(participants)
    while True:
        for record in reader.read_quiet(1.0):
            if dict(record.headers or []).get("ce_tenant") != target.tenant.encode():
                continue  # another organization's, or a malformed record a test put on the shared topic
            event = decode(record.key, record.value, record.headers)
            if event.type.endswith("case.opened.v1"):
                opened.setdefault(event.data.case_id, set()).add(event.id)
        cases = case_rows(target)
        with_case = {p for p, ids in cases.items() if ids}
        announced = {p for p, ids in cases.items() if any(opened.get(case) for case, _ in ids)}
        lost = sorted(wanted - with_case | (wanted - announced))
        unpaged = sorted(p for p in wanted & with_case if not any(pages for _, pages in cases[p]))
        if (not lost and not unpaged) or time.monotonic() - started > timeout_s:
            break
    reader.close()
    duplicated = sorted(p for p, ids in cases.items()
                        if len(ids) > 1 or any(len(opened.get(case, ())) > 1 for case, _ in ids))
    return Outcome(len(participants), lost, duplicated, unpaged, time.monotonic() - started)


def case_rows(target: Target) -> dict[str, list[tuple[str, int]]]:
    """participant -> [(case id, notifications)] in the target database."""
    with target.database.transaction() as session:
        rows = session.execute(text(
            "SELECT c.participant_id, c.id, count(n.id) FROM cases c LEFT JOIN notifications n ON n.case_id = c.id "
            "WHERE c.organization_id = :org GROUP BY c.participant_id, c.id"), {"org": target.tenant}).all()
    found: dict[str, list[tuple[str, int]]] = {}
    for participant, case, pages in rows:
        found.setdefault(participant, []).append((case, pages))
    return found
