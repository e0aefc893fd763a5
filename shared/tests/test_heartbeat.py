"""The heartbeat a portless process's liveness probe reads: beat, wait, check, and the shared loops
(outbox relay, event consumer) beating, including while a dependency is down."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import MagicMock

from opentelemetry import trace

from peerbridge_shared import heartbeat
from peerbridge_shared.db import Database
from peerbridge_shared.messaging import ConsumerConfig, EventConsumer
from peerbridge_shared.outbox import OutboxRelay
from peerbridge_shared.topics import SAFETY

UNREACHABLE_DATABASE = "postgresql+psycopg://peerbridge:peerbridge@127.0.0.1:1/nowhere"


def wait_for(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def aged(path: Path, seconds: float) -> Path:
    path.touch()
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_check_says_fresh_stale_or_missing(tmp_path):
    path = tmp_path / "x.heartbeat"
    fresh, reason = heartbeat.check(path, 60)
    assert not fresh and "missing" in reason
    fresh, reason = heartbeat.check(aged(path, 5), 60)
    assert fresh and "ok" in reason
    fresh, reason = heartbeat.check(aged(path, 90), 60)
    assert not fresh and "stale, last beat 90 s ago (max 60 s)" in reason


def test_the_check_command_exits_non_zero_with_one_line_saying_why(tmp_path, capsys, monkeypatch):
    path = tmp_path / "x.heartbeat"
    monkeypatch.setenv(heartbeat.ENV, str(path))
    assert heartbeat.main(["check", "--max-age-s", "30"]) == 1
    assert capsys.readouterr().err.strip().endswith("missing (the process loop has not beaten yet)")
    aged(path, 45)
    assert heartbeat.main(["check", "--max-age-s", "30"]) == 1
    assert "stale" in capsys.readouterr().err
    assert heartbeat.main(["check", "--max-age-s", "60"]) == 0
    assert heartbeat.main(["check", "--file", str(tmp_path / "other"), "--max-age-s", "60"]) == 1

    # as the probes run it: `python -m peerbridge_shared.heartbeat check`, the file from the environment
    probe = [sys.executable, "-m", "peerbridge_shared.heartbeat", "check", "--max-age-s", "30"]
    result = subprocess.run(probe, env={**os.environ, heartbeat.ENV: str(path)}, capture_output=True, text=True)
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    path.touch()
    assert subprocess.run(probe, env={**os.environ, heartbeat.ENV: str(path)}).returncode == 0


def test_a_beat_touches_the_file_at_most_once_a_second(tmp_path):
    now = [100.0]
    beating = heartbeat.Heartbeat(tmp_path / "dir" / "x.heartbeat", clock=lambda: now[0])
    beating.beat()  # the first beat touches at once, creating the directory
    assert beating.path.exists()
    aged(beating.path, 30)
    now[0] += 0.5
    beating.beat()
    assert time.time() - beating.path.stat().st_mtime > 29  # throttled
    now[0] += 0.6
    beating.beat()
    assert time.time() - beating.path.stat().st_mtime < 5


def test_one_stuck_loop_stops_the_heartbeat_of_the_process(tmp_path):
    beating = heartbeat.Heartbeat(tmp_path / "x.heartbeat", touch_every_s=0)
    beating.beat("consumer")
    beating.beat("delivery")
    beating.beat("consumer")
    aged(beating.path, 30)
    for _ in range(3):
        beating.beat("consumer")  # the delivery loop has not beaten since the last touch
    assert time.time() - beating.path.stat().st_mtime > 29
    beating.beat("delivery")
    assert time.time() - beating.path.stat().st_mtime < 5


def test_a_heartbeat_that_cannot_be_written_never_breaks_the_loop(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    path = blocker / "x.heartbeat"  # under a regular file: cannot be created
    monkeypatch.setenv(heartbeat.ENV, str(path))
    heartbeat.beat()
    heartbeat.beat()
    assert not heartbeat.check(path, 60)[0]


def test_wait_beats_while_it_waits_and_returns_when_stopped(heartbeat_file, monkeypatch):
    monkeypatch.setattr(heartbeat, "WAIT_SLICE_S", 0.05)
    stop = threading.Event()
    started = time.monotonic()
    assert heartbeat.wait(stop, 0.2) is False
    assert time.monotonic() - started >= 0.2
    assert heartbeat_file.exists()

    waiter = threading.Thread(target=heartbeat.wait, args=(stop, 60.0))
    waiter.start()
    assert wait_for(heartbeat_file.exists)
    heartbeat_file.unlink()
    assert wait_for(heartbeat_file.exists), "a long wait keeps beating"
    stop.set()
    waiter.join(2)
    assert not waiter.is_alive()


def test_the_outbox_relay_beats_while_its_database_is_down(heartbeat_file):
    relay = OutboxRelay(Database(UNREACHABLE_DATABASE), MagicMock())
    stop = threading.Event()
    runner = threading.Thread(target=relay.run, args=(stop,))
    runner.start()
    try:
        assert wait_for(heartbeat_file.exists)
        heartbeat_file.unlink()
        assert wait_for(heartbeat_file.exists), "the relay stopped beating while it waits for PostgreSQL"
    finally:
        stop.set()
        runner.join(5)
    assert not runner.is_alive()


class StoreDown(Exception):
    pass


def bare_consumer(handler, **config) -> EventConsumer:
    """An EventConsumer without a Kafka connection: enough for its loop and its retry logic."""
    consumer = object.__new__(EventConsumer)
    consumer.config = ConsumerConfig(group_id="test", topics=[SAFETY], retry_backoff_s=0.001, **config)
    consumer.handler = handler
    consumer._next_stall_check = float("inf")  # no Kafka client to watch
    return consumer


def test_the_event_consumer_loop_beats(heartbeat_file):
    stop = threading.Event()
    consumer = bare_consumer(lambda envelope: None)
    consumer.poll_once = lambda: stop.set() or 0
    consumer.run(stop)
    assert heartbeat_file.exists()


def test_the_event_consumer_beats_while_it_waits_out_an_outage(heartbeat_file):
    seen = []

    def handler(envelope):
        seen.append(heartbeat_file.exists())
        heartbeat_file.unlink(missing_ok=True)
        if len(seen) < 4:
            raise StoreDown()

    consumer = bare_consumer(handler, unavailable=(StoreDown,))
    record = SimpleNamespace(topic=SAFETY.name, partition=0, offset=7)
    consumer._handle_with_retries(record, MagicMock(), trace.INVALID_SPAN)
    assert seen == [False, True, True, True]  # a beat between every attempt while the store is down
