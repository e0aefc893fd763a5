"""The fetch wait of the services' Faust workers (faust-streaming is theirs, not this package's).

Faust builds its worker's aiokafka consumer with a fixed ``fetch_max_wait_ms`` of 1,500: each
fetch may wait that long at the broker for partitions with nothing new. While such a fetch is out,
a partition whose buffered records the stream has just drained cannot be fetched again, so a busy
stream delivers nothing for up to that long, every few fetches (measured on the metrics worker:
~0.5 s every 1.5-2 s, a third of a bulk fold). Workers call :func:`shorten_fetch_wait` before
they build their app; an idle worker then asks the broker ``1000 / FETCH_MAX_WAIT_MS`` times a
second instead of less than once.
"""

from __future__ import annotations

from typing import Any

FETCH_MAX_WAIT_MS = 50


def shorten_fetch_wait(max_wait_ms: int = FETCH_MAX_WAIT_MS) -> None:
    """Make every Faust worker consumer created in this process wait at most ``max_wait_ms``."""
    from faust.transport.drivers import aiokafka as driver

    thread = driver.AIOKafkaConsumerThread
    create = getattr(thread._create_worker_consumer, "__wrapped__", thread._create_worker_consumer)

    def create_with_shorter_wait(self: Any, transport: Any) -> Any:
        consumer = create(self, transport)
        consumer._fetch_max_wait_ms = max_wait_ms  # read when the consumer starts (its fetcher)
        return consumer

    create_with_shorter_wait.__wrapped__ = create  # type: ignore[attr-defined]
    thread._create_worker_consumer = create_with_shorter_wait
