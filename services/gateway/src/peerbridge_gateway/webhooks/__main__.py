"""``python -m peerbridge_gateway.webhooks``: consumes the outcome feed topic (compacted; consumer
group, dead-letter topic) into delivery jobs, and delivers due jobs in a second thread."""

from __future__ import annotations

import logging
import signal
import threading

from peerbridge_shared import heartbeat
from peerbridge_shared.logs import configure_logging
from peerbridge_shared.messaging import ConsumerConfig, EventConsumer
from peerbridge_shared.telemetry import setup_tracing
from peerbridge_shared.topics import OUTCOME_FEED

from ..redis_clients import redis_client
from ..settings import get_settings
from .delivery import LOOP, Webhooks
from .store import WebhookStore

log = logging.getLogger(__name__)
IDLE_S = 0.2


def deliver_until(stop: threading.Event, webhooks: Webhooks) -> None:
    while not stop.is_set():
        heartbeat.beat(LOOP)
        try:
            attempted = webhooks.deliver_due()
        except Exception:  # noqa: BLE001 - a Redis hiccup must not end deliveries
            log.exception("webhook delivery round failed")
            attempted = 0
        if not attempted:
            heartbeat.wait(stop, IDLE_S, LOOP)


def main() -> None:
    settings = get_settings()
    configure_logging("gateway-webhooks", settings.log_level)
    setup_tracing("gateway-webhooks")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    redis = redis_client(settings.redis_url, timeout_s=5)
    webhooks = Webhooks(settings, WebhookStore(redis, settings.redis_prefix))
    config = ConsumerConfig(group_id=settings.webhooks_group_id, topics=[OUTCOME_FEED],
                            auto_offset_reset=settings.webhooks_offset_reset, poll_timeout_ms=200)
    consumer = EventConsumer(config, webhooks.handle, kafka=settings.kafka)
    sender = threading.Thread(target=deliver_until, args=(stop, webhooks), name="webhook-delivery")
    sender.start()
    log.info("webhooks running", extra={"group": settings.webhooks_group_id})
    try:
        consumer.run(stop)
    finally:
        stop.set()
        sender.join(30)
        consumer.close()
        redis.close()


if __name__ == "__main__":
    main()
