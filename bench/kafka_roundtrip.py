"""Round-trip latency on loopback, the floor every later latency is compared to.

1. raw: an idempotent acks=all produce of one record until a consumer holds it (one in flight);
2. outbox: a PostgreSQL commit of a business row's event until the consumer holds it, through
   the outbox relay running as it does in production; printed as a ratio to the raw figure.

Usage: python bench/kafka_roundtrip.py [--samples 300]   (needs `make stack-up`)
"""

from __future__ import annotations

import argparse
import threading
import time

from common import (
    assigned_consumer,
    kafka_settings,
    percentiles,
    raw_round_trip,
    report_figure,
    scratch_database,
    scratch_topic,
    wait_for,
)

from peerbridge_shared.db import Database, MessagingBase
from peerbridge_shared.events import decode
from peerbridge_shared.events.envelope import utc_now
from peerbridge_shared.events.safety import ConcernCategory, SafetyConcernRaised
from peerbridge_shared.messaging import create_producer
from peerbridge_shared.outbox import OutboxRelay, add_event
from peerbridge_shared.settings import KafkaSettings


def outbox_round_trip(kafka: KafkaSettings, samples: int) -> list[float]:
    with scratch_database("outbox") as url, scratch_topic(kafka) as topic:
        database = Database(url)
        MessagingBase.metadata.create_all(database.engine)
        producer = create_producer(kafka, linger_ms=0)
        stop = threading.Event()
        relay = threading.Thread(target=OutboxRelay(database, producer).run, args=(stop,), daemon=True)
        relay.start()
        consumer = assigned_consumer(kafka, [topic])
        results = []
        try:
            for i in range(samples + 20):
                data = SafetyConcernRaised(participant_id="p-bench", concern_id=str(i), program_id="bench",
                                           category=ConcernCategory.OTHER, raised_by="bench", raised_at=utc_now())
                start = time.perf_counter()
                with database.transaction() as session:
                    add_event(session, data, tenant="bench", source="/bench").topic = topic
                wait_for(consumer, lambda r, cid=str(i): decode(r.key, r.value, r.headers).data.concern_id == cid)
                if i >= 20:
                    results.append((time.perf_counter() - start) * 1000)
        finally:
            stop.set()
            relay.join()
            producer.close()
            consumer.close()
            database.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    kafka = kafka_settings()
    raw = raw_round_trip(kafka, args.samples)
    outbox = outbox_round_trip(kafka, args.samples)
    raw_p50, raw_p99 = percentiles(raw)
    out_p50, out_p99 = percentiles(outbox)
    print(f"Kafka round trip on loopback (acks=all, idempotent, {args.samples} samples)")
    print(f"{'measure':<40}{'p50 ms':>10}{'p99 ms':>10}{'ratio p50':>12}{'ratio p99':>12}")
    print(f"{'raw produce -> consume (baseline)':<40}{raw_p50:>10.2f}{raw_p99:>10.2f}{1:>12.2f}{1:>12.2f}")
    print(f"{'outbox commit -> relay -> consume':<40}{out_p50:>10.2f}{out_p99:>10.2f}"
          f"{out_p50 / raw_p50:>12.2f}{out_p99 / raw_p99:>12.2f}")
    report_figure("outbox commit -> relay -> consume, p50", out_p50, "ms", "raw Kafka round trip p50", raw_p50)
    report_figure("outbox commit -> relay -> consume, p99", out_p99, "ms", "raw Kafka round trip p99", raw_p99)


if __name__ == "__main__":
    main()
