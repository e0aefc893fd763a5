"""Escalation signal -> clinician WebSocket, on the whole platform, idle and under simulator load.

A private platform (every process of deploy/processes.yaml, tests/e2e/platform.py) on the local
stack. A clinician of the program holds a WebSocket to the gateway; each sample is a PHQ-9 item 9 = 2
screen for a new participant produced to the safety topic, until the case-opened event reaches the
socket: safety topic -> escalation worker -> PostgreSQL + outbox -> relay -> case topic -> fan-out
-> Redis -> gateway -> WebSocket. One signal in flight at a time; first with the platform idle,
then while the program simulator plays a program through the gateway (rate limits off, as fast as
it goes). Baseline: the raw Kafka produce-to-consume round trip, in the same run.

Usage: python bench/signal_to_socket_under_load.py [--samples 100] [--participants 60]
(needs `make stack-up`; the platform's own processes are started and stopped by the benchmark)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import date
from pathlib import Path

from common import kafka_settings, percentiles, raw_round_trip, report_figure, scratch_database
from escalation_signal_to_page import staff
from websockets.sync.client import ClientConnection, connect

from peerbridge_escalation.cases.intake import handle
from peerbridge_shared.db import Database
from peerbridge_shared.events import Envelope, new_envelope, utc_now
from peerbridge_shared.events.safety import RiskScreenCompleted, ScreenInstrument
from peerbridge_shared.events.scheduling import ParticipantEnrolled
from peerbridge_shared.messaging import create_producer, publish
from peerbridge_shared.migrations import upgrade
from peerbridge_simulator import Config, DevTokens, Simulation
from peerbridge_simulator.tokens import User

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.platform import private_platform, smtp_inbox  # noqa: E402 - the platform the e2e tests run


def new_participant_signal(database: Database, tenant: str) -> tuple[str, Envelope]:
    """A new participant whose care team escalation knows, and their PHQ-9 item 9 = 2 screen."""
    participant = f"p-{uuid.uuid4().hex[:10]}"
    with database.transaction() as session:  # the care team escalation learns from enrollment
        handle(session, new_envelope(ParticipantEnrolled(
            participant_id=participant, enrollment_id="e", program_id="prog", site_id="s",
            enrolled_on=date(2026, 1, 1), clinician_id="own-1"), tenant=tenant, source="/bench",
            subject=participant), utc_now())
    signal = RiskScreenCompleted(participant_id=participant, screen_id=str(uuid.uuid4()), program_id="prog",
                                 instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=2, completed_at=utc_now(),
                                 screened_by="bench", positive=True, rule_version="phq9@1:item9>0")
    return participant, new_envelope(signal, tenant=tenant, source="/bench", subject=participant)


def measure(socket: ClientConnection, producer, database: Database, tenant: str, samples: int) -> list[float]:
    latencies = []
    for i in range(samples + 5):
        participant, signal = new_participant_signal(database, tenant)
        started = time.perf_counter()
        publish(producer, signal)
        while not _opened_for(json.loads(socket.recv(timeout=60)), participant):
            pass
        if i >= 5:  # warm-up
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _opened_for(message: dict, participant: str) -> bool:
    event = message.get("event") or {}
    return message.get("kind") == "event" and message.get("name") == "case.opened" and \
        event.get("data", {}).get("participant_id") == participant


def migrated(stack: ExitStack):
    def make(label: str, ini: Path) -> str:
        url = stack.enter_context(scratch_database(label))
        upgrade(ini, url)
        return url
    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--participants", type=int, default=60)
    args = parser.parse_args()
    kafka = kafka_settings()
    raw_p50, raw_p99 = percentiles(raw_round_trip(kafka, 200))
    tenant, simulated = f"org-bench-{uuid.uuid4().hex[:6]}", f"org-bench-sim-{uuid.uuid4().hex[:6]}"
    with ExitStack() as stack:
        _, smtp_port = stack.enter_context(smtp_inbox())
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="peerbridge-bench-")))
        platform = stack.enter_context(private_platform(migrated(stack), kafka, home, smtp_port=smtp_port))
        database = Database(platform.specs["escalation"].env["ESCALATION_DATABASE_URL"])
        stack.callback(database.dispose)
        staff(database, tenant)
        clinician = User("clin-bench", ("clinician",), programs=("prog",))
        socket = stack.enter_context(connect(platform.gateway.replace("http://", "ws://") + "/v1/events/ws",
                                             additional_headers=DevTokens(tenant, platform.dev_key).headers(clinician),
                                             open_timeout=10))
        producer = create_producer(kafka, linger_ms=0)
        stack.callback(producer.close)
        idle = measure(socket, producer, database, tenant, args.samples)
        sim = Simulation(Config(gateway=platform.gateway, organization=simulated, participants=args.participants,
                                weeks=8, seed=5, case_timeout_s=300), DevTokens(simulated, platform.dev_key)).start()
        stack.callback(sim.stop)
        while not sim.phase.startswith("week") and not sim.finished.is_set():
            time.sleep(0.2)
        requests_before, loaded_from = sim.gateway.stats.requests, time.monotonic()
        loaded = measure(socket, producer, database, tenant, args.samples)
        load_rate = (sim.gateway.stats.requests - requests_before) / (time.monotonic() - loaded_from)
        still_playing = not sim.finished.is_set()
    rows = [("idle platform", *percentiles(idle)), ("under simulator load", *percentiles(loaded))]
    print(f"Escalation signal -> clinician WebSocket (case.opened), {args.samples} signals one at a time;")
    print(f"load: the simulator at {load_rate:.0f} gateway requests/s"
          f"{'' if still_playing else ' (it finished before the last sample: raise --participants)'}")
    print(f"{'path':<44}{'p50 ms':>9}{'p99 ms':>9}{'p50 x':>8}{'p99 x':>8}")
    print(f"{'raw Kafka produce -> consume (baseline)':<44}{raw_p50:>9.2f}{raw_p99:>9.2f}{1:>8.2f}{1:>8.2f}")
    for label, p50, p99 in rows:
        print(f"{label:<44}{p50:>9.1f}{p99:>9.1f}{p50 / raw_p50:>8.1f}{p99 / raw_p99:>8.1f}")
    _, p50, p99 = rows[1]
    report_figure("signal -> clinician WebSocket under load, p50", p50, "ms", "raw Kafka round trip p50", raw_p50)
    report_figure("signal -> clinician WebSocket under load, p99", p99, "ms", "raw Kafka round trip p99", raw_p99)


if __name__ == "__main__":
    main()
