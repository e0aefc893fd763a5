"""The live Faust tables equal the batch reference on a generated program, before and after the
worker is SIGKILLed mid-stream and restarted (tables recovered from their changelog)."""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from peerbridge_metrics.billing.rules import load_policies
from peerbridge_metrics.measures import as_rows
from peerbridge_metrics.reference import recompute
from peerbridge_shared.events import Envelope
from peerbridge_shared.events.care import (
    AssessmentCompleted,
    AttendanceRecorded,
    AttendanceStatus,
    PeerContactDocumented,
)
from peerbridge_shared.events.scheduling import Modality, ParticipantEnrolled, SessionKind
from peerbridge_shared.messaging import publish

START = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
PHQ9_BANDS = ["minimal", "mild", "moderate", "moderately severe", "severe"]


def generated_program(tenant: str, participants: int, seed: int) -> list[Envelope]:
    """Enrollments, contacts (some signed only later) and attendance (some no-shows corrected), over months."""
    rng = random.Random(seed)
    log = []

    def add(data, at):
        log.append(Envelope(data=data, tenant=tenant, source="/generator", subject=data.participant_id,
                            id=str(uuid.uuid4()), time=at))

    for p in range(participants):
        who = f"{tenant}-p{p}"
        add(ParticipantEnrolled(participant_id=who, enrollment_id=f"e{p}", program_id=f"prog-{p % 3}", site_id="s",
                                enrolled_on=date(2026, 1, 1), payer_id=rng.choice(["medicaid-nc", "medicaid-or"]),
                                authorized_units=rng.choice([None, 24, 40])), START)
        for c in range(rng.randint(2, 8)):
            at = START + timedelta(days=rng.randint(0, 150), hours=rng.randint(0, 8))
            signed = rng.random() < 0.85
            facts = dict(participant_id=who, contact_id=f"{who}-c{c}", program_id=f"prog-{p % 3}", peer_id="peer",
                         session_kind=rng.choice([SessionKind.ONE_TO_ONE, SessionKind.GROUP]),
                         modality=Modality.IN_PERSON, place_of_service=rng.choice(["53", "02"]),
                         payer_id="medicaid-nc", occurred_at=at, face_to_face_minutes=rng.randint(5, 90),
                         peer_credential_valid=rng.random() < 0.95, peer_supervision_current=rng.random() < 0.9,
                         enrollment_active=True)
            add(PeerContactDocumented(**facts), at)
            if signed:
                add(PeerContactDocumented(**facts, note_signed_at=at + timedelta(hours=3)), at + timedelta(hours=3))
        for s in range(rng.randint(3, 12)):
            at = START + timedelta(days=7 * s + rng.randint(0, 3))
            status = rng.choice(list(AttendanceStatus))
            facts = dict(participant_id=who, session_id=f"{tenant}-g{s}-{p % 4}", program_id=f"prog-{p % 3}",
                         site_id="s", peer_id="peer", session_kind=SessionKind.GROUP, session_starts_at=at)
            minutes = 0 if status in (AttendanceStatus.NO_SHOW, AttendanceStatus.CANCELLED_BY_PARTICIPANT,
                                      AttendanceStatus.CANCELLED_BY_PROGRAM) else 60
            add(AttendanceRecorded(**facts, status=status, minutes_present=minutes), at)
            if status == AttendanceStatus.NO_SHOW and rng.random() < 0.3:  # an automatic no-show, corrected
                add(AttendanceRecorded(**facts, status=AttendanceStatus.LATE, minutes_present=45),
                    at + timedelta(hours=2))
        for a in range(rng.randint(0, 4)):
            at = START + timedelta(days=30 * a + rng.randint(0, 20))
            total = rng.randint(0, 27)
            add(AssessmentCompleted(participant_id=who, assessment_id=f"{who}-a{a}", program_id=f"prog-{p % 3}",
                                    instrument="phq9", instrument_version="1", item_scores={}, total_score=total,
                                    band=PHQ9_BANDS[min(total // 5, 4)],
                                    completed_at=at, administered_by="peer"), at)
    rng.shuffle(log)  # arrival order is not event order
    return log


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_worker(app_id: str, port: int, datadir, log_file) -> subprocess.Popen:
    env = {**os.environ, "METRICS_FAUST_APP_ID": app_id, "METRICS_FAUST_WEB_PORT": str(port),
           "OTEL_TRACES_EXPORTER": "none"}
    return subprocess.Popen([sys.executable, "-m", "peerbridge_metrics.worker", "--datadir", str(datadir), "worker",
                             "--loglevel", "info"], env=env, stdout=log_file.open("a"), stderr=subprocess.STDOUT)


def live(port: int, tenant: str) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/measures?organization_id={tenant}", timeout=5) as r:
            return json.loads(r.read())
    except OSError:
        return None


def wait_until_equal(port, tenant, expected, log_file, timeout_s=120):
    deadline, seen = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        seen = live(port, tenant)
        if seen and {k: seen[k] for k in expected} == expected:
            return
        time.sleep(0.5)
    pytest.fail(f"live measures never matched the reference:\n{json.dumps(seen)[:1500]}\n"
                + log_file.read_text()[-2000:])


def reference(log):
    measures = recompute(log, load_policies())
    return {name: as_rows(values) for name, values in measures.items()}


def test_live_tables_equal_the_batch_reference_across_a_sigkill(producer, tmp_path):
    tenant = f"org-{uuid.uuid4().hex[:8]}"
    log = generated_program(tenant, participants=120, seed=7)
    half = len(log) // 2
    app_id, port, log_file = f"metrics-test-{uuid.uuid4().hex[:8]}", free_port(), tmp_path / "worker.log"

    for envelope in log[:half]:
        publish(producer, envelope)
    producer.flush()
    worker = start_worker(app_id, port, tmp_path / "faust", log_file)
    try:
        wait_until_equal(port, tenant, reference(log[:half]), log_file)
        for envelope in log[half:half + half // 2]:
            publish(producer, envelope)
        producer.flush()
        time.sleep(0.5)
        worker.send_signal(signal.SIGKILL)  # mid-stream, with no goodbye
        worker.wait()
        for envelope in log[half + half // 2:]:
            publish(producer, envelope)
        producer.flush()
        worker = start_worker(app_id, port, tmp_path / "faust", log_file)
        wait_until_equal(port, tenant, reference(log), log_file)
        assert live(port, tenant)["participants"] == 120
    finally:
        worker.terminate()
        worker.wait(60)
    print(f"{len(log)} events; live equals the reference before and after a SIGKILL")
