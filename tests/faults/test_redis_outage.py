"""Fault drill: Redis stops under the gateway. The gateway degrades clearly and recovers by itself:
/readyz names Redis, API calls still answer (rate limiting fails open, counted in a metric),
real-time push says it is unavailable (a message, then close code 1013) instead of hanging, and
push works again once Redis is back. Restarts the local stack's Redis."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from peerbridge_gateway.app import create_app
from peerbridge_gateway.auth.dev_keys import ensure_dev_key
from peerbridge_gateway.auth.dev_token import sign_user_token
from peerbridge_gateway.settings import DEV_ISSUER, GatewaySettings
from peerbridge_scheduling.app import create_app as create_scheduling
from peerbridge_scheduling.settings import SchedulingSettings

from .harness import stack

SERVICES = Path(__file__).resolve().parents[2] / "services"


@pytest.fixture
def gateway(run_server, migrated_database, tmp_path):
    scheduling = run_server(create_scheduling(SchedulingSettings(
        database_url=migrated_database("drill_scheduling", SERVICES / "scheduling" / "alembic.ini"))))
    key_file = tmp_path / "dev-key.pem"
    settings = GatewaySettings(environment="test", scheduling_url=scheduling, dev_key_file=str(key_file),
                               redis_prefix=f"drill:{uuid.uuid4().hex[:8]}:", events_heartbeat_s=0.5)
    organization = f"org-drill-{uuid.uuid4().hex[:8]}"
    signed = sign_user_token(ensure_dev_key(key_file), issuer=DEV_ISSUER, audience=settings.jwt_audience,
                             organization=organization, user="admin-1", roles=["program_admin"])
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {signed}"
        yield client


def first_message(client: TestClient) -> tuple[dict, int | None]:
    with client.websocket_connect("/v1/events/ws") as socket:
        message = json.loads(socket.receive_text())
        code = None
        if message["kind"] == "unavailable":
            code = socket.receive()["code"]
        return message, code


@pytest.mark.timeout(300)
def test_gateway_degrades_clearly_without_redis_and_recovers(gateway):
    assert first_message(gateway)[0]["kind"] == "heartbeat"
    stack("redis", "stop")
    try:
        ready = gateway.get("/readyz")
        assert ready.status_code == 503 and "redis" in ready.json()["dependencies"]
        assert gateway.get("/v1/programs").status_code == 200  # rate limiting fails open
        message, code = first_message(gateway)
        assert (message["kind"], code) == ("unavailable", 1013)
    finally:
        stack("redis", "start")
    started = time.monotonic()
    while gateway.get("/readyz").status_code != 200:
        time.sleep(0.2)
    assert first_message(gateway)[0]["kind"] == "heartbeat"
    print(f"[drill] Redis stop: nothing lost (no case event is kept only in Redis: the fan-out re-reads "
          f"Kafka), gateway ready again {time.monotonic() - started:.1f} s after Redis restarted")
