"""`python -m peerbridge_escalation.notify`: the delivery worker (ESCALATION_* settings)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from prometheus_client import start_http_server

from peerbridge_shared.db import Database
from peerbridge_shared.logs import configure_logging

from ..retry import RetryPolicy
from ..settings import get_settings
from .pool import DeliveryPool
from .setup import channels_from

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="escalation-delivery", description=__doc__)
    parser.add_argument("--metrics-port", type=int, default=0, help="serve Prometheus metrics on this port")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging("escalation-delivery", settings.log_level)
    if args.metrics_port:
        start_http_server(args.metrics_port, addr=settings.host)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    database, channels = Database(settings.database_url), channels_from(settings)
    policy = RetryPolicy(settings.delivery_max_attempts, settings.delivery_backoff_s, settings.delivery_max_backoff_s)
    pool = DeliveryPool(database, channels, settings.console_url, policy, workers=settings.delivery_workers,
                        per_organization=settings.delivery_per_organization)
    log.info("delivery worker started", extra={"workers": settings.delivery_workers})
    pool.run(stop, settings.delivery_interval_s)
    database.dispose()


main()
