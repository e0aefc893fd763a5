"""Scheduling: sustained attendance writes (each with its outbox rows) and the outbox publish lag
at that rate, against the raw Kafka round trip measured in the same run.

Group sessions of 10 participants are recorded through the scheduling API (in process, real
PostgreSQL); the outbox relay runs as its own process, as in production; a consumer measures each
attendance event's lag from its write to its arrival.

Usage: python bench/scheduling_attendance.py [--seconds 10] [--workers 4]   (needs `make stack-up`)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import assigned_consumer, kafka_settings, percentiles, raw_round_trip, report_figure, scratch_database
from fastapi.testclient import TestClient

from peerbridge_scheduling.app import create_app
from peerbridge_scheduling.settings import SchedulingSettings
from peerbridge_shared.events import decode
from peerbridge_shared.identity import Identity, Role, issue_internal_token
from peerbridge_shared.migrations import upgrade
from peerbridge_shared.settings import DEV_SECRET
from peerbridge_shared.topics import CARE

GROUP = 10
ALEMBIC = Path(__file__).resolve().parents[1] / "services" / "scheduling" / "alembic.ini"


class Setup:
    """A program with peers and participants, and many past group sessions to record."""

    def __init__(self, client: TestClient, sessions: int) -> None:
        self.client = client
        self.org = f"org-bench-{uuid.uuid4().hex[:6]}"
        token = issue_internal_token(Identity(self.org, "bench", frozenset({Role.PROGRAM_ADMIN})), DEV_SECRET, 3600)
        self.headers = {"Authorization": f"Bearer {token}"}
        program = self.post("/programs", {"name": "bench", "time_zone": "America/New_York", "group_capacity": 12})
        site = self.post(f"/programs/{program['id']}/sites", {"name": "site"})
        supervisor = self.post("/supervisors", {"display_name": "s", "credential": "LCSW", "max_peers": 50})
        peer = self.post("/peers", {"program_id": program["id"], "display_name": "p", "credential_type": "CPSS",
                                    "credential_number": "1", "credential_expires_on": "2030-01-01",
                                    "certified_on": "2020-01-01", "languages": ["en"],
                                    "supervisor_id": supervisor["id"]})
        people = []
        for i in range(GROUP):
            person = self.post("/participants", {"given_name": "a", "family_name": f"b{i}", "birth_date": "1990-01-01"})
            self.post(f"/participants/{person['id']}/consents", {"program_id": program["id"], "kind": "program",
                                                                 "granted": True,
                                                                 "effective_at": "2020-01-01T00:00:00Z"})
            self.post("/enrollments", {"participant_id": person["id"], "program_id": program["id"],
                                       "site_id": site["id"], "enrolled_on": "2020-01-01"})
            people.append(person["id"])
        start = datetime.now(UTC) - timedelta(days=400)
        self.sessions = []
        for i in range(sessions):
            begins = start + timedelta(hours=2 * i)
            session = self.post("/sessions", {
                "program_id": program["id"], "site_id": site["id"], "kind": "group", "modality": "in_person",
                "peer_ids": [peer["id"]], "participant_ids": people, "starts_at": begins.isoformat(),
                "ends_at": (begins + timedelta(minutes=60)).isoformat()})
            self.sessions.append(session["id"])
        self.body = {"facilitator_peer_id": peer["id"], "records": [
            {"participant_id": p, "status": "attended", "minutes_present": 60} for p in people]}

    def post(self, path: str, body: dict) -> dict:
        response = self.client.post(path, json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return response.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=1500)
    args = parser.parse_args()
    kafka = kafka_settings()
    raw_p50, raw_p99 = percentiles(raw_round_trip(kafka, 200))

    with scratch_database("scheduling") as url:
        upgrade(ALEMBIC, url)
        app = create_app(SchedulingSettings(database_url=url))
        with TestClient(app) as client:
            setup = Setup(client, args.sessions)
            relay = subprocess.Popen([sys.executable, "-m", "peerbridge_shared.outbox", "--database-url", url],
                                     env={**os.environ, "OTEL_TRACES_EXPORTER": "none"}, stdout=subprocess.DEVNULL)
            stop = threading.Event()
            lags: list[float] = []
            consumer = assigned_consumer(kafka, [CARE.name])

            def consume() -> None:
                while not stop.is_set():
                    for batch in consumer.poll(timeout_ms=200).values():
                        arrived = time.time()
                        for record in batch:
                            event = decode(record.key, record.value, record.headers)
                            if event.tenant == setup.org:
                                lags.append((arrived - event.time.timestamp()) * 1000)

            reader = threading.Thread(target=consume, daemon=True)
            reader.start()
            pending = iter(setup.sessions)
            lock = threading.Lock()
            deadline = time.monotonic() + args.seconds

            def work() -> int:
                done = 0
                while time.monotonic() < deadline:
                    with lock:
                        session_id = next(pending, None)
                    if session_id is None:
                        break
                    response = client.post(f"/sessions/{session_id}/attendance", json=setup.body,
                                           headers=setup.headers)
                    assert response.status_code == 201, response.text
                    done += GROUP
                return done

            began = time.monotonic()
            with ThreadPoolExecutor(args.workers) as pool:
                written = sum(pool.map(lambda _: work(), range(args.workers)))
            elapsed = time.monotonic() - began
            settle = time.monotonic() + 30
            while len(lags) < written and time.monotonic() < settle:
                time.sleep(0.1)
            stop.set()
            relay.terminate()
            relay.wait(30)
            reader.join()
            consumer.close()
        app.state.database.dispose()

    lag_p50, lag_p99 = percentiles(lags)
    print(f"Scheduling attendance writes ({args.workers} workers, {elapsed:.1f} s, groups of {GROUP})")
    print(f"  sustained: {written / elapsed:.0f} attendance records/s ({written} records, "
          f"{written * 1.1 / elapsed:.0f} outbox rows/s); events received {len(lags)}")
    print(f"{'measure':<44}{'p50 ms':>10}{'p99 ms':>10}{'ratio p50':>12}{'ratio p99':>12}")
    print(f"{'raw Kafka produce -> consume (baseline)':<44}{raw_p50:>10.2f}{raw_p99:>10.2f}{1:>12.2f}{1:>12.2f}")
    print(f"{'attendance write -> consumer, under load':<44}{lag_p50:>10.2f}{lag_p99:>10.2f}"
          f"{lag_p50 / raw_p50:>12.2f}{lag_p99 / raw_p99:>12.2f}")
    report_figure("attendance write -> consumer under load, p50", lag_p50, "ms", "raw Kafka round trip p50", raw_p50)
    report_figure("attendance write -> consumer under load, p99", lag_p99, "ms", "raw Kafka round trip p99", raw_p99)


if __name__ == "__main__":
    main()
