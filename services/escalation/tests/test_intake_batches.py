"""The worker takes a batch of events in at once, per participant: a participant's events stay in
their order (on one thread, one after the other), other participants' go on other threads, an
event that fails outright never skips the next one of its participant, and the heartbeat sees the
longest-stuck thread."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from peerbridge_escalation.settings import EscalationSettings
from peerbridge_escalation.worker import Intake, by_participant
from peerbridge_shared.db import Database


def _event(topic: str, partition: int, offset: int, key: bytes | None) -> SimpleNamespace:
    return SimpleNamespace(message=SimpleNamespace(topic=topic, partition=partition, offset=offset, key=key,
                                                   value=b"{}", headers=[]))


def test_a_batch_is_grouped_by_participant_in_arrival_order_across_topics():
    events = [_event("safety", 3, 10, b"p-1"), _event("care", 3, 7, b"p-2"), _event("care", 3, 8, b"p-1"),
              _event("safety", 3, 11, b"p-1"), _event("hospital", 0, 1, None), _event("hospital", 0, 2, None),
              _event("hospital", 1, 5, None)]
    groups = by_participant(events)
    assert [[(r[0], r[2]) for r in group] for group in groups] == [
        [("safety", 10), ("care", 8), ("safety", 11)], [("care", 7)], [("hospital", 1), ("hospital", 2)],
        [("hospital", 5)]]


class Recording(Intake):
    def __init__(self) -> None:
        settings = EscalationSettings(database_url="postgresql+psycopg://x@127.0.0.1:1/x")
        super().__init__(settings, Database(settings.database_url), producer=None)  # type: ignore[arg-type]
        self.seen: list[tuple[int, int]] = []

    def _process(self, topic, partition, offset, key, value, headers) -> str:  # noqa: ANN001
        if offset == 2:
            raise RuntimeError("the dead-letter topic is unreachable too")
        self.seen.append((offset, threading.get_ident()))
        return "case_opened"


def test_a_participants_events_run_in_order_and_one_failing_does_not_skip_the_next():
    intake = Recording()
    records = [("safety", 0, offset, b"p-1", b"{}", []) for offset in (1, 2, 3)]
    assert intake.process_in_order(records) == ["case_opened", "failed", "case_opened"]
    assert [offset for offset, _thread in intake.seen] == [1, 3]
    assert intake.stalled_s() == 0, "nothing in hand once done"


def test_the_heartbeat_sees_the_longest_stuck_of_several_threads():
    now = [100.0]
    settings = EscalationSettings(database_url="postgresql+psycopg://x@127.0.0.1:1/x")
    intake = Intake(settings, Database(settings.database_url), producer=None, clock=lambda: now[0])  # type: ignore[arg-type]
    stuck = threading.Thread(target=intake._progressed)
    stuck.start()
    stuck.join()  # that thread's event is still in hand (it never said it was done)
    now[0] = 130.0
    intake._progressed()  # this thread just made progress
    assert intake.stalled_s() == 30.0
    intake._progressed(busy=False)
    assert intake.stalled_s() == 30.0, "the other thread's event is still stuck"
