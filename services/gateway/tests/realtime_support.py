"""Helpers for the real-time tests: case events on the real Kafka topic, an in-process fan-out
consumer, and WebSocket / SSE clients with timeouts."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from kafka import KafkaProducer
from redis import Redis
from websockets.sync.client import ClientConnection, connect

from peerbridge_gateway.fanout import consumer_for
from peerbridge_gateway.realtime.streams import Keys
from peerbridge_gateway.settings import GatewaySettings
from peerbridge_shared.events import new_envelope
from peerbridge_shared.events.escalation import EscalationEscalated, EscalationOpened, EscalationReason, RiskLevel
from peerbridge_shared.messaging import publish

NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


def case_opened(tenant: str, program_id: str, case_id: str | None = None):
    case_id = case_id or str(uuid.uuid4())
    data = EscalationOpened(case_id=case_id, case_number=f"C-{case_id[:6]}", participant_id=f"p-{case_id[:6]}",
                            program_id=program_id, risk_level=RiskLevel.HIGH, rule_version="2026.11-1",
                            signal_event_ids=[str(uuid.uuid4())], opened_at=NOW,
                            acknowledge_by=NOW + timedelta(minutes=15))
    return new_envelope(data, tenant=tenant, source="/peerbridge/escalation", subject=case_id)


def case_escalated(tenant: str, program_id: str, case_id: str, level: int):
    data = EscalationEscalated(case_id=case_id, case_number=f"C-{case_id[:6]}", participant_id=f"p-{case_id[:6]}",
                               program_id=program_id, risk_level=RiskLevel.HIGH, from_level=level - 1,
                               to_level=level, reason=EscalationReason.DEADLINE_PASSED, escalated_at=NOW)
    return new_envelope(data, tenant=tenant, source="/peerbridge/escalation", subject=case_id)


def send(producer: KafkaProducer, envelope) -> None:
    publish(producer, envelope).get(10)


def stream_length(redis: Redis, settings: GatewaySettings, tenant: str) -> int:
    return redis.xlen(Keys(settings.redis_prefix).stream(tenant))


def wait_for_stream(redis: Redis, settings: GatewaySettings, tenant: str, length: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while stream_length(redis, settings, tenant) < length:
        assert time.monotonic() < deadline, f"the fan-out did not append {length} events for {tenant}"
        time.sleep(0.05)


def wait_until_consuming(settings: GatewaySettings, producer: KafkaProducer, redis: Redis,
                         timeout_s: float = 60) -> None:
    """Returns once a fan-out consumer (a new group starting at the latest offsets) has its
    partitions: a probe event of a probe organization came through."""
    probe = f"org-probe-{uuid.uuid4().hex[:6]}"
    deadline = time.monotonic() + timeout_s
    while stream_length(redis, settings, probe) == 0:
        assert time.monotonic() < deadline, "the fan-out consumer never got its partitions"
        send(producer, case_opened(probe, "prog-probe"))
        time.sleep(0.5)


@contextmanager
def fanout_running(settings: GatewaySettings, producer: KafkaProducer, redis: Redis) -> Iterator[None]:
    """The fan-out consumer in a thread (new group from the latest offsets), once it is consuming."""
    consumer = consumer_for(settings, Redis.from_url(settings.redis_url))
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    wait_until_consuming(settings, producer, redis)
    try:
        yield
    finally:
        stop.set()
        thread.join(10)
        consumer.close()


def ws_url(base: str, last_event_id: str | None = None, token: str | None = None) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"last_event_id": last_event_id, "access_token": token}.items() if v)
    return base.replace("http://", "ws://") + "/v1/events/ws" + (f"?{query}" if query else "")


def next_event(ws: ClientConnection, timeout_s: float = 20) -> dict[str, Any]:
    """The next event message, skipping heartbeats."""
    deadline = time.monotonic() + timeout_s
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "no event arrived in time"
        message = json.loads(ws.recv(timeout=remaining))
        if message["kind"] != "heartbeat":
            return message


def quiet(ws: ClientConnection, seconds: float) -> list[dict[str, Any]]:
    """Every non-heartbeat message that arrives within ``seconds``."""
    found, deadline = [], time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            message = json.loads(ws.recv(timeout=remaining))
        except TimeoutError:
            break
        if message["kind"] != "heartbeat":
            found.append(message)
    return found


def websocket(base: str, headers: dict[str, str], last_event_id: str | None = None) -> ClientConnection:
    return connect(ws_url(base, last_event_id), additional_headers=headers, open_timeout=10)


def sse_events(base: str, headers: dict[str, str], count: int, last_event_id: str | None = None,
               timeout_s: float = 20) -> list[dict[str, str]]:
    """The first ``count`` SSE events (id, event, data) from GET /v1/events."""
    extra = {"Last-Event-ID": last_event_id} if last_event_id else {}
    events: list[dict[str, str]] = []
    current: dict[str, str] = {}
    with httpx.stream("GET", base + "/v1/events", headers={**headers, **extra}, timeout=timeout_s) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line:
                if "data" in current:
                    events.append(current)
                    if len(events) == count:
                        return events
                current = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(": ")
                current[name] = value
    return events
