"""The worker's heartbeat sees a hung intake but not a database outage: a Faust timer beats unless
the event in hand has gone ``intake_stalled_after_s`` without progress; the intake waiting out an
unreachable PostgreSQL (real, refused connections) is progress."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

from peerbridge_escalation.settings import EscalationSettings
from peerbridge_escalation.worker import Intake, Received, beat_unless_stalled
from peerbridge_shared import heartbeat
from peerbridge_shared.db import Database
from peerbridge_shared.events import encode
from peerbridge_shared.events.safety import RiskScreenCompleted, ScreenInstrument

from .conftest import envelope

UNREACHABLE = "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:1/peerbridge_escalation"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def intake_at(clock: Clock, database_url: str = UNREACHABLE) -> Intake:
    settings = EscalationSettings(database_url=database_url, intake_stalled_after_s=120)
    return Intake(settings, Database(settings.database_url), producer=None, clock=clock)  # type: ignore[arg-type]


def test_an_intake_busy_without_progress_withholds_the_beat(tmp_path, monkeypatch):
    beat_file = tmp_path / "worker.heartbeat"
    monkeypatch.setenv(heartbeat.ENV, str(beat_file))
    clock = Clock(7.0)  # just after boot
    intake = intake_at(clock)
    assert beat_unless_stalled(intake) and beat_file.exists()
    intake._progressed()  # a batch in hand
    clock.now = 7.0 + 119
    assert intake.stalled_s() == 119 and beat_unless_stalled(intake)
    clock.now = 7.0 + 121
    beat_file.unlink()
    assert not beat_unless_stalled(intake) and not beat_file.exists()
    intake._progressed(busy=False)  # done with it
    assert intake.stalled_s() == 0


def test_waiting_out_an_unreachable_database_is_progress():
    clock = Clock(3.0)
    intake = intake_at(clock)
    signal = RiskScreenCompleted(participant_id=f"p-{uuid.uuid4().hex[:6]}", screen_id=str(uuid.uuid4()),
                                 program_id="prog-1",
                                 instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=2,
                                 completed_at=datetime(2026, 3, 4, 14, tzinfo=UTC), screened_by="peer-1",
                                 positive=True, rule_version="phq9@1:item9>0")
    key, value, headers = encode(envelope(signal, "org-liveness"))
    # the intake never returns while PostgreSQL refuses: a daemon thread, left waiting
    threading.Thread(target=intake.process_batch, args=([Received("peerbridge.safety", 0, 0, key, value, headers)],),
                     daemon=True).start()
    deadline = time.monotonic() + 5
    while intake.stalled_s() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    clock.now = 3.0 + 500  # long past intake_stalled_after_s, had it not progressed
    assert intake.stalled_s() == 500
    deadline = time.monotonic() + 15
    while intake.stalled_s() > 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert intake.stalled_s() == 0, "a retry against the unreachable database counts as progress"
