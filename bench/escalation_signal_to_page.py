"""Escalation: a safety signal produced to Kafka until the first page of its case (the in-app
EscalationNotified event the gateway pushes) is on Kafka, at 50 and 500 signals/s, each with the
raw Kafka round trip measured in the same run.

Real processes: the Faust worker and the outbox relay run as in production; every signal is a new
participant's PHQ-9 item 9 = 2, so every signal opens a case and pages the participant's clinician.

Usage: python bench/escalation_signal_to_page.py [--seconds 5]   (needs `make stack-up`)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from common import assigned_consumer, kafka_settings, percentiles, raw_round_trip, report_figure, scratch_database

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
from peerbridge_shared.migrations import upgrade
from peerbridge_shared.topics import CASES

ALEMBIC = Path(__file__).resolve().parents[1] / "services" / "escalation" / "alembic.ini"


def staff(database: Database, tenant: str) -> None:
    admin = Identity(tenant, "bench", frozenset({Role.PROGRAM_ADMIN}))
    today = utc_now().date()
    with database.transaction() as session:
        for clinician in ("own-1", "oncall-1", "sup-1", "md-1"):
            rosters.replace_contacts(session=session, caller=admin, clinician_id=clinician, contacts=[
                ContactCreate(channel="email", address=f"{clinician}@example.org")],
                start_verification=lambda row: mark_verified(row, utc_now()))  # verified before the drill
        rosters.set_program_contacts(session=session, caller=admin, program_id="prog", clock=utc_now,
                                     data=ProgramContactsSet(supervisor_id="sup-1", medical_director_id="md-1"))
        rosters.publish_roster(session=session, caller=admin, clock=utc_now, data=RosterPublish(
            program_id="prog", time_zone="UTC", effective_from=today - timedelta(days=1),
            effective_until=today + timedelta(days=1),
            layers=[{"name": "all", "members": ["oncall-1"], "starts_on": str(today - timedelta(days=7)),
                     "handoff": "00:00"}]))


def start(module: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *module], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def run_rate(rate: int, seconds: float, tenant: str, kafka, database: Database) -> tuple[list[float], int, float]:
    producer = create_producer(kafka, linger_ms=0)
    consumer = assigned_consumer(kafka, [CASES.name])
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    stop = threading.Event()

    def consume() -> None:
        seen = set()
        while not stop.is_set():
            for batch in consumer.poll(timeout_ms=100).values():
                arrived = time.perf_counter()
                for record in batch:  # only pages are decoded: the bench's CPU is the worker's too
                    if not dict(record.headers).get("ce_type", b"").endswith(b"notified.v1"):
                        continue
                    who = decode(record.key, record.value, record.headers).data.participant_id
                    if who in sent_at and who not in seen:
                        seen.add(who)
                        latencies.append((arrived - sent_at[who]) * 1000)

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    total = int(rate * seconds)
    participants = [f"p-{uuid.uuid4().hex[:10]}" for _ in range(total)]
    with database.transaction() as session:  # the care team escalation learned from enrollment
        for participant in participants:
            handle(session, new_envelope(ParticipantEnrolled(
                participant_id=participant, enrollment_id="e", program_id="prog", site_id="s",
                enrolled_on=date(2026, 1, 1), clinician_id="own-1"), tenant=tenant, source="/bench",
                subject=participant), utc_now())
    began = time.perf_counter()
    for i, participant in enumerate(participants):
        signal = RiskScreenCompleted(participant_id=participant, screen_id=str(i), program_id="prog",
                                     instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=2, completed_at=utc_now(),
                                     screened_by="bench", positive=True, rule_version="phq9@1:item9>0")
        pause = began + i / rate - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        sent_at[participant] = time.perf_counter()
        publish(producer, new_envelope(signal, tenant=tenant, source="/bench", subject=participant))
    producer.flush()
    offered = total / (time.perf_counter() - began)
    deadline = time.monotonic() + 120
    while len(latencies) < total and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    reader.join()
    consumer.close()
    producer.close()
    return latencies, total, offered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rates", default="50,500")
    args = parser.parse_args()
    kafka = kafka_settings()
    raw_p50, raw_p99 = percentiles(raw_round_trip(kafka, 200))
    rows = []
    with scratch_database("escalation") as url:
        upgrade(ALEMBIC, url)
        database = Database(url)
        tenant = f"org-bench-{uuid.uuid4().hex[:6]}"
        staff(database, tenant)
        env = {**os.environ, "ESCALATION_DATABASE_URL": url, "OTEL_TRACES_EXPORTER": "none",
               "ESCALATION_FAUST_APP_ID": f"bench-{uuid.uuid4().hex[:6]}", "ESCALATION_FAUST_OFFSET_RESET": "latest"}
        logs = Path(os.environ.get("TMPDIR", "/tmp"))
        worker = start(["peerbridge_escalation.worker", "--datadir", str(logs / f"faust-{tenant}"), "worker",
                        "--without-web", "--loglevel", "info"], env, logs / f"{tenant}-worker.log")
        relay = start(["peerbridge_shared.outbox", "--database-url", url], env, logs / f"{tenant}-relay.log")
        try:
            while "Ready" not in (logs / f"{tenant}-worker.log").read_text():
                time.sleep(0.2)
            time.sleep(2)
            for rate in [int(r) for r in args.rates.split(",")]:
                latencies, total, offered = run_rate(rate, args.seconds, tenant, kafka, database)
                p50, p99 = percentiles(latencies) if len(latencies) > 1 else (float("nan"), float("nan"))
                rows.append((rate, offered, total, len(latencies), p50, p99))
        finally:
            worker.terminate()
            relay.terminate()
            worker.wait(60)
            relay.wait(60)
            database.dispose()
    print(f"Escalation: signal produced -> first page event on Kafka ({args.seconds:.0f} s per rate)")
    print(f"{'rate/s':>7}{'offered/s':>11}{'signals':>9}{'paged':>7}{'p50 ms':>10}{'p99 ms':>10}"
          f"{'ratio p50':>11}{'ratio p99':>11}")
    print(f"{'raw':>7}{'':>11}{'':>9}{'':>7}{raw_p50:>10.2f}{raw_p99:>10.2f}{1:>11.2f}{1:>11.2f}  (Kafka baseline)")
    for rate, offered, total, paged, p50, p99 in rows:
        print(f"{rate:>7}{offered:>11.0f}{total:>9}{paged:>7}{p50:>10.1f}{p99:>10.1f}"
              f"{p50 / raw_p50:>11.1f}{p99 / raw_p99:>11.1f}")
        report_figure(f"signal -> first page at {rate}/s offered, p50", p50, "ms", "raw Kafka round trip p50", raw_p50)
        report_figure(f"signal -> first page at {rate}/s offered, p99", p99, "ms", "raw Kafka round trip p99", raw_p99)


if __name__ == "__main__":
    main()
