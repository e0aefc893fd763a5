"""``python -m peerbridge_gateway.fanout``: consumes escalation case events (consumer group, shared
EventConsumer with its dead-letter topic) and appends each, once, to its organization's bounded
Redis stream, publishing a wake-up that every gateway replica hears."""

from __future__ import annotations

import logging
import signal
import threading

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from peerbridge_shared.events import Envelope, InvalidEvent
from peerbridge_shared.events.escalation import CaseEvent
from peerbridge_shared.logs import configure_logging
from peerbridge_shared.messaging import ConsumerConfig, EventConsumer
from peerbridge_shared.telemetry import setup_tracing
from peerbridge_shared.topics import CASES

from .realtime.streams import EventLog, Keys
from .redis_clients import redis_client
from .settings import GatewaySettings, get_settings

log = logging.getLogger(__name__)


class Fanout:
    def __init__(self, settings: GatewaySettings, redis: Redis) -> None:
        self.redis = redis
        self.log = EventLog(Keys(settings.redis_prefix), settings.events_stream_max_len)

    def handle(self, envelope: Envelope) -> None:
        if not isinstance(envelope.data, CaseEvent):
            raise InvalidEvent(f"ce_type: {envelope.type} is not a case event")
        appended = self.log.append(self.redis, envelope)
        log.info("case event fanned out" if appended else "duplicate case event skipped",
                 extra={"event_id": envelope.id, "case_number": envelope.data.case_number})


def consumer_for(settings: GatewaySettings, redis: Redis) -> EventConsumer:
    config = ConsumerConfig(group_id=settings.fanout_group_id, topics=[CASES],
                            auto_offset_reset=settings.fanout_offset_reset, poll_timeout_ms=200,
                            unavailable=(RedisConnectionError, RedisTimeoutError))  # Redis down: wait, lose nothing
    return EventConsumer(config, Fanout(settings, redis).handle, kafka=settings.kafka)


def main() -> None:
    settings = get_settings()
    configure_logging("gateway-fanout", settings.log_level)
    setup_tracing("gateway-fanout")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    redis = redis_client(settings.redis_url, timeout_s=5)
    consumer = consumer_for(settings, redis)
    log.info("fan-out running", extra={"group": settings.fanout_group_id})
    try:
        consumer.run(stop)
    finally:
        consumer.close()
        redis.close()


if __name__ == "__main__":
    main()
