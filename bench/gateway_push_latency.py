"""Gateway: WebSocket push latency, from a case event produced to Kafka to a connected clinician
console receiving it, against the raw Kafka round trip measured in the same run.

The path: Kafka (peerbridge.escalation.cases.v1) -> the fan-out process (its own consumer group)
-> Redis (stream append + pub/sub wake-up) -> a gateway process -> WebSocket. One event in flight
at a time, as the raw baseline.

Usage: python bench/gateway_push_latency.py [--samples 200]   (needs `make stack-up`)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from common import kafka_settings, percentiles, raw_round_trip, report_figure
from gateway_common import free_port, gateway_server, user_token
from redis import Redis
from websockets.sync.client import connect

from peerbridge_gateway.realtime.streams import Keys
from peerbridge_shared.events import new_envelope
from peerbridge_shared.events.escalation import EscalationOpened, RiskLevel
from peerbridge_shared.messaging import create_producer, publish


def opened(organization: str):
    case_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    data = EscalationOpened(case_id=case_id, case_number=f"C-{case_id[:6]}", participant_id="p-bench",
                            program_id="prog-bench", risk_level=RiskLevel.HIGH, rule_version="bench",
                            signal_event_ids=[], opened_at=now, acknowledge_by=now + timedelta(minutes=15))
    return new_envelope(data, tenant=organization, source="/peerbridge/escalation", subject=case_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    kafka = kafka_settings()
    raw_p50, raw_p99 = percentiles(raw_round_trip(kafka, args.samples))
    organization, prefix = f"org-bench-{uuid.uuid4().hex[:6]}", f"bench:{uuid.uuid4().hex[:8]}:"
    env = {"GATEWAY_REDIS_PREFIX": prefix, "GATEWAY_ENVIRONMENT": "test", "OTEL_TRACES_EXPORTER": "none",
           "GATEWAY_FANOUT_GROUP_ID": f"gateway-fanout-bench-{uuid.uuid4().hex[:6]}",
           "GATEWAY_FANOUT_OFFSET_RESET": "latest", "GATEWAY_LOG_LEVEL": "WARNING"}
    fanout = subprocess.Popen([sys.executable, "-m", "peerbridge_gateway.fanout"], env={**os.environ, **env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    producer = create_producer(kafka, linger_ms=0)
    redis = Redis()
    port = free_port()
    samples: list[float] = []
    try:
        with gateway_server(port, prefix):
            while redis.xlen(Keys(prefix).stream(organization)) == 0:  # the fan-out has its partitions
                publish(producer, opened(organization)).get(10)
                time.sleep(0.5)
            token = user_token(organization, "program_admin")
            with connect(f"ws://127.0.0.1:{port}/v1/events/ws", additional_headers={"Authorization": f"Bearer {token}"},
                         open_timeout=10) as ws:
                for i in range(args.samples + 20):
                    envelope = opened(organization)
                    start = time.perf_counter()
                    publish(producer, envelope)
                    while json.loads(ws.recv(timeout=30)).get("event", {}).get("event_id") != envelope.id:
                        pass
                    if i >= 20:  # warm-up
                        samples.append((time.perf_counter() - start) * 1000)
    finally:
        fanout.terminate()
        fanout.wait(30)
        producer.close()
        redis.close()
    p50, p99 = percentiles(samples)
    print(f"Gateway push: case event produced -> WebSocket client, {args.samples} events one at a time")
    print(f"{'path':<44}{'p50 ms':>9}{'p99 ms':>9}{'p50 x':>8}{'p99 x':>8}")
    print(f"{'raw Kafka produce -> consume (baseline)':<44}{raw_p50:>9.2f}{raw_p99:>9.2f}{1:>8.2f}{1:>8.2f}")
    print(f"{'Kafka -> fan-out -> Redis -> gateway -> WS':<44}{p50:>9.2f}{p99:>9.2f}{p50 / raw_p50:>8.2f}"
          f"{p99 / raw_p99:>8.2f}")
    report_figure("case event -> clinician WebSocket, p50", p50, "ms", "raw Kafka round trip p50", raw_p50)
    report_figure("case event -> clinician WebSocket, p99", p99, "ms", "raw Kafka round trip p99", raw_p99)


if __name__ == "__main__":
    main()
