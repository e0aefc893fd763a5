"""Liveness for processes without an HTTP port: a heartbeat file.

A process loop calls ``beat()`` where it makes progress (each iteration, each unit of work); the
file ``$PEERBRIDGE_HEARTBEAT_FILE`` (default ``/tmp/peerbridge.heartbeat``: /tmp is the writable
tmpfs or emptyDir of the read-only images) is touched at most once a second.
``python -m peerbridge_shared.heartbeat check --max-age-s N`` exits 0 only if the file was touched
within N seconds; Kubernetes runs it as the liveness probe and docker compose as the healthcheck.

- No background thread beats: a loop blocked forever stops beating and is restarted.
- A loop that waits between passes waits with ``wait(stop, seconds)``, which beats while it waits,
  so the wait interval never has to fit under the probe's maximum age.
- A loop waiting out a dependency outage (PostgreSQL, Redis or Kafka down) keeps beating: it is
  alive and will resume by itself; restarting it would not bring the dependency back and would
  turn one outage into a restart storm. Liveness means "the loop turns", not "the dependencies
  are up" (readiness and the produced-data alerts say that).
- A process with several loops (threads) names them: ``beat("delivery")``. The file is touched
  only once every loop that has beaten has beaten again, so one stuck loop stops the heartbeat.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ENV = "PEERBRIDGE_HEARTBEAT_FILE"
DEFAULT_PATH = "/tmp/peerbridge.heartbeat"
DEFAULT_MAX_AGE_S = 60.0
TOUCH_EVERY_S = 1.0
WAIT_SLICE_S = 5.0
MAIN = "main"

log = logging.getLogger(__name__)


def heartbeat_path() -> Path:
    return Path(os.environ.get(ENV) or DEFAULT_PATH)


class Heartbeat:
    """One heartbeat file, touched when every loop seen so far has beaten since the last touch."""

    def __init__(self, path: Path, touch_every_s: float = TOUCH_EVERY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path, self.touch_every_s, self.clock = path, touch_every_s, clock
        self._lock = threading.Lock()
        self._loops: set[str] = set()
        self._waiting_for: set[str] = set()  # loops that have not beaten since the last touch
        self._last_touch: float | None = None
        self._failed = False

    def beat(self, loop: str = MAIN) -> None:
        with self._lock:
            self._loops.add(loop)
            self._waiting_for.discard(loop)
            now = self.clock()
            if self._waiting_for or (self._last_touch is not None and now - self._last_touch < self.touch_every_s):
                return
            self._last_touch = now
            self._waiting_for = set(self._loops)
            self._touch()

    def _touch(self) -> None:
        try:
            try:
                self.path.touch()
            except FileNotFoundError:  # a first beat into a directory not made yet (the local run)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.touch()
        except OSError:
            if not self._failed:  # the probe will say so; the loop itself carries on
                log.exception("cannot write the heartbeat file", extra={"path": str(self.path)})
            self._failed = True
            return
        self._failed = False


_heartbeats: dict[Path, Heartbeat] = {}
_heartbeats_lock = threading.Lock()


def _current() -> Heartbeat:
    path = heartbeat_path()
    heartbeat = _heartbeats.get(path)
    if heartbeat is None:
        with _heartbeats_lock:
            heartbeat = _heartbeats.setdefault(path, Heartbeat(path))
    return heartbeat


def beat(loop: str = MAIN) -> None:
    """The loop made progress (cheap: touches the file at most once a second)."""
    try:
        _current().beat(loop)
    except Exception:  # noqa: BLE001 - a heartbeat never breaks the loop it reports on
        log.exception("heartbeat failed")


def wait(stop: threading.Event, seconds: float, loop: str = MAIN) -> bool:
    """``stop.wait(seconds)``, beating meanwhile; True if ``stop`` was set."""
    deadline = time.monotonic() + seconds
    while True:
        beat(loop)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return stop.is_set()
        if stop.wait(min(remaining, WAIT_SLICE_S)):
            return True


def check(path: Path, max_age_s: float, now: float | None = None) -> tuple[bool, str]:
    """(fresh, one line saying why) for the heartbeat file at ``path``."""
    try:
        touched = path.stat().st_mtime
    except FileNotFoundError:
        return False, f"heartbeat {path}: missing (the process loop has not beaten yet)"
    except OSError as exc:
        return False, f"heartbeat {path}: unreadable ({exc.strerror})"
    age = max(0.0, (time.time() if now is None else now) - touched)
    if age > max_age_s:
        return False, f"heartbeat {path}: stale, last beat {age:.0f} s ago (max {max_age_s:g} s)"
    return True, f"heartbeat {path}: ok, last beat {age:.1f} s ago"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m peerbridge_shared.heartbeat",
                                     description="Check a process's heartbeat file (a liveness probe).")
    sub = parser.add_subparsers(dest="command", required=True)
    checker = sub.add_parser("check", help="exit 0 if the heartbeat is fresh, 1 with the reason if not")
    checker.add_argument("--max-age-s", type=float, default=DEFAULT_MAX_AGE_S)
    checker.add_argument("--file", type=Path, default=None, help=f"default: ${ENV} or {DEFAULT_PATH}")
    args = parser.parse_args(argv)
    fresh, reason = check(args.file or heartbeat_path(), args.max_age_s)
    print(reason, file=sys.stdout if fresh else sys.stderr)
    return 0 if fresh else 1


if __name__ == "__main__":
    sys.exit(main())
