"""The timer loop and the independent watchdog.

`python -m peerbridge_escalation.routing.timers` runs a loop that fires due steps every
ESCALATION_TIMER_INTERVAL_S; with `--watchdog` it runs as the watchdog instead: it looks for steps
overdue by more than ESCALATION_WATCHDOG_GRACE_S (a timer loop that died or stalled), reports
them, fires them itself (the row locks make that safe), and exposes a heartbeat metric whose
silence is the alarm.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
from datetime import datetime, timedelta

from prometheus_client import Counter, Gauge, start_http_server
from sqlalchemy import func, select

from peerbridge_shared import heartbeat
from peerbridge_shared.db import Database
from peerbridge_shared.events import utc_now

from ..retry import RetryPolicy
from ..settings import get_settings
from .ladder import PENDING, STEP_RETRY, fire_due
from .models import Step

log = logging.getLogger(__name__)
STEPS_FIRED = Counter("peerbridge_escalation_steps_fired", "Escalation steps fired", ["by"])
OVERDUE = Gauge("peerbridge_escalation_overdue_steps", "Steps overdue beyond the watchdog grace at its last run")
HEARTBEAT = Gauge("peerbridge_escalation_watchdog_heartbeat_timestamp_seconds", "When the watchdog last ran")


def overdue(database: Database, now: datetime, grace: timedelta) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).where(Step.status == PENDING, Step.due_at < now - grace))


def watchdog_pass(database: Database, now: datetime, grace: timedelta, name: str,
                  policy: RetryPolicy = STEP_RETRY) -> int:
    late = overdue(database, now, grace)
    OVERDUE.set(late)
    if late:
        log.error("escalation steps overdue: the timer loop is down or stalled; firing them", extra={"overdue": late})
        STEPS_FIRED.labels("watchdog").inc(fire_due(database, now, name, policy))
    HEARTBEAT.set(now.timestamp())
    return late


def main(argv: list[str] | None = None) -> None:
    from peerbridge_shared.logs import configure_logging

    parser = argparse.ArgumentParser(prog="escalation-timers", description=__doc__)
    parser.add_argument("--watchdog", action="store_true")
    parser.add_argument("--metrics-port", type=int, default=0, help="serve Prometheus metrics on this port")
    args = parser.parse_args(argv)
    settings = get_settings()
    role = "watchdog" if args.watchdog else "timers"
    name = f"{role}@{socket.gethostname()}:{os.getpid()}"
    configure_logging(f"escalation-{role}", settings.log_level)
    if args.metrics_port:
        start_http_server(args.metrics_port, addr=settings.host)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    database = Database(settings.database_url)
    grace = timedelta(seconds=settings.watchdog_grace_s)
    interval = settings.watchdog_interval_s if args.watchdog else settings.timer_interval_s
    policy = RetryPolicy(settings.step_max_attempts, STEP_RETRY.first_backoff_s, STEP_RETRY.max_backoff_s)
    log.info(f"escalation {role} started", extra={"interval_s": interval})
    while not stop.is_set():
        try:
            if args.watchdog:
                watchdog_pass(database, utc_now(), grace, name, policy)
            else:
                STEPS_FIRED.labels("timers").inc(fire_due(database, utc_now(), name, policy))
        except Exception:  # noqa: BLE001 - the loop outlives database outages
            log.exception(f"escalation {role} pass failed")
        heartbeat.wait(stop, interval)
    database.dispose()


if __name__ == "__main__":
    main()
