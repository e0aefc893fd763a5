"""`python -m peerbridge_scheduling.worker`: sends due reminders and marks no-shows, every
SCHEDULING_WORKER_INTERVAL_S seconds."""

from __future__ import annotations

import logging
import signal
import threading

from peerbridge_shared import heartbeat
from peerbridge_shared.db import Database
from peerbridge_shared.events import utc_now
from peerbridge_shared.logs import configure_logging
from peerbridge_shared.telemetry import setup_tracing

from .reminders.service import tick
from .settings import get_settings

log = logging.getLogger(__name__)


def main() -> None:
    settings = get_settings()
    configure_logging("scheduling-worker", settings.log_level)
    setup_tracing("scheduling-worker")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    database = Database(settings.database_url)
    log.info("scheduling worker started", extra={"interval_s": settings.worker_interval_s})
    while not stop.is_set():
        try:
            reminders, no_shows = tick(database, utc_now)
            if reminders or no_shows:
                log.info("worker pass", extra={"reminders": reminders, "no_shows": no_shows})
        except Exception:  # noqa: BLE001 - the worker outlives database outages
            log.exception("worker pass failed")
        heartbeat.wait(stop, settings.worker_interval_s)
    database.dispose()


if __name__ == "__main__":
    main()
