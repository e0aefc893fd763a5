"""Fault drill: Redis stops under the gateway. The gateway degrades clearly and recovers by itself:
/readyz names Redis, API calls still answer (rate limiting fails open, counted in a metric),
real-time push says it is unavailable (a message, then close code 1013) instead of hanging; a case
event published during the outage waits in Kafka (the fan-out does not dead-letter it) and reaches
the clinician who reconnects with their last event id. Restarts the local stack's Redis."""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from peerbridge_gateway.app import create_app
from peerbridge_gateway.auth.dev_keys import ensure_dev_key
from peerbridge_gateway.auth.dev_token import sign_user_token
from peerbridge_gateway.settings import DEV_ISSUER, GatewaySettings
from peerbridge_scheduling.app import create_app as create_scheduling
from peerbridge_scheduling.settings import SchedulingSettings
from peerbridge_shared.events import new_envelope, utc_now
from peerbridge_shared.events.escalation import EscalationOpened, RiskLevel
from peerbridge_shared.messaging import publish
from peerbridge_shared.testing.processes import running
from peerbridge_shared.topics import CASES

from .harness import stack

SERVICES = Path(__file__).resolve().parents[2] / "services"


@pytest.fixture
def gateway(run_server, migrated_database, kafka_settings, tmp_path):
    scheduling = run_server(create_scheduling(SchedulingSettings(
        database_url=migrated_database("drill_scheduling", SERVICES / "scheduling" / "alembic.ini"))))
    key_file = tmp_path / "dev-key.pem"
    settings = GatewaySettings(environment="test", scheduling_url=scheduling, dev_key_file=str(key_file),
                               redis_prefix=f"drill:{uuid.uuid4().hex[:8]}:", events_heartbeat_s=0.5)
    organization = f"org-drill-{uuid.uuid4().hex[:8]}"
    signed = sign_user_token(ensure_dev_key(key_file), issuer=DEV_ISSUER, audience=settings.jwt_audience,
                             organization=organization, user="admin-1", roles=["program_admin"])
    fanout_env = {"GATEWAY_REDIS_PREFIX": settings.redis_prefix, "GATEWAY_FANOUT_OFFSET_RESET": "latest",
                  "GATEWAY_FANOUT_GROUP_ID": f"drill-fanout-{uuid.uuid4().hex[:8]}",
                  "GATEWAY_KAFKA__BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers}
    # ready once the group gave it the case topic's partitions: it reads from "latest", so an event
    # published before that would never reach it (slow after the other drills restart Kafka)
    with (running([sys.executable, "-m", "peerbridge_gateway.fanout"], log=tmp_path / "fanout.log", env=fanout_env,
                  ready=lambda text: "partitions assigned" in text and f"{CASES.name}[" in text, timeout_s=120),
          TestClient(create_app(settings)) as client):
        time.sleep(2)  # its positions at the end are fetched
        client.headers["Authorization"] = f"Bearer {signed}"
        client.organization = organization
        yield client


def case_opened(producer, organization: str) -> str:
    participant, now = f"p-{uuid.uuid4().hex[:8]}", utc_now()
    event = EscalationOpened(case_id=str(uuid.uuid4()), case_number=f"C-{uuid.uuid4().hex[:6]}",
                             participant_id=participant, program_id="prog-drill", risk_level=RiskLevel.HIGH,
                             rule_version="r", signal_event_ids=["s"], opened_at=now,
                             acknowledge_by=now + timedelta(minutes=15))
    envelope = new_envelope(event, tenant=organization, source="/drill", subject=event.case_id)
    publish(producer, envelope).get(10)
    return envelope.id


def next_message(client: TestClient, last_event_id: str | None = None) -> tuple[dict, int | None]:
    """The first event or "unavailable" message (within 60 s), and the close code after "unavailable".
    A "reset" (Redis came back without the events the client had: refetch, then keep listening) is passed."""
    path = "/v1/events/ws" + (f"?last_event_id={last_event_id}" if last_event_id else "")
    with client.websocket_connect(path) as socket:
        for _ in range(120):
            message = json.loads(socket.receive_text())
            if message["kind"] == "unavailable":
                return message, socket.receive()["code"]
            if message["kind"] not in ("heartbeat", "reset"):
                return message, None
    raise AssertionError("no event within 60 s")


def first_event_after(client: TestClient, producer, last_event_id: str | None, attempts: int = 5) -> dict:
    """Connect, then publish a case event, and return the first event the socket pushes. A new fan-out
    group reading from "latest" may still be fetching its start position on a loaded machine: an event
    published before that is legitimately not its to push, so one not pushed within 20 s is published
    again (a few times at most; each retry is printed)."""
    path = "/v1/events/ws" + (f"?last_event_id={last_event_id}" if last_event_id else "")
    with client.websocket_connect(path) as socket:
        assert json.loads(socket.receive_text())["kind"] == "heartbeat"
        sent: list[str] = []
        for attempt in range(attempts):
            sent.append(case_opened(producer, client.organization))
            deadline = time.monotonic() + 20
            while (message := json.loads(socket.receive_text()))["kind"] == "heartbeat" and \
                    time.monotonic() < deadline:
                pass
            if message["kind"] != "heartbeat":
                assert message["event"]["event_id"] in sent  # a late one of an earlier try counts too
                return message
            print(f"[drill] the fan-out pushed nothing within 20 s of publishing (try {attempt + 1}); publishing again")
    raise AssertionError(f"the fan-out pushed none of {attempts} case events")


@pytest.mark.timeout(300)
def test_gateway_degrades_clearly_without_redis_and_loses_no_alert(gateway, producer, report):
    before = first_event_after(gateway, producer, None)
    stack("redis", "stop")
    try:
        ready = gateway.get("/readyz")
        assert ready.status_code == 503 and "redis" in ready.json()["dependencies"]
        assert gateway.get("/v1/programs").status_code == 200  # rate limiting fails open
        during = case_opened(producer, gateway.organization)  # Kafka acknowledged it; Redis is down
        time.sleep(2)  # the fan-out tries, and waits
        assert next_message(gateway)[0]["kind"] == "unavailable"
        assert next_message(gateway)[1] == 1013
    finally:
        stack("redis", "start")
    started = time.monotonic()
    while gateway.get("/readyz").status_code != 200:
        time.sleep(0.2)
    message, _ = next_message(gateway, last_event_id=before["id"])
    assert message.get("event", {}).get("event_id") == during, message
    report(f"[drill] Redis stop: lost 0 (the case event published during the outage was pushed after it); "
          f"gateway ready again {time.monotonic() - started:.1f} s after Redis restarted")
