"""End to end through the real processes: a PHQ-9 item 9 answer on the safety topic -> the
escalation worker opens a case -> its outbox relay publishes EscalationOpened -> the gateway
fan-out process (``python -m peerbridge_gateway.fanout``) -> Redis -> a clinician's WebSocket."""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime

import pytest
from redis import Redis

from peerbridge_gateway.app import create_app
from peerbridge_shared.events import new_envelope
from peerbridge_shared.events.safety import RiskScreenCompleted, ScreenInstrument
from peerbridge_shared.messaging import publish
from peerbridge_shared.testing.processes import running

from .realtime_support import next_event, wait_until_consuming, websocket


@pytest.fixture(scope="module")
def pipeline(gateway_settings_module, escalation_url, kafka_settings, producer, run_server, tmp_path_factory):
    logs = tmp_path_factory.mktemp("pipeline")
    settings = gateway_settings_module.model_copy(update={
        "events_heartbeat_s": 0.5, "fanout_group_id": f"gateway-fanout-e2e-{uuid.uuid4().hex[:8]}",
        "fanout_offset_reset": "latest"})
    gateway_env = {"GATEWAY_ENVIRONMENT": "test", "GATEWAY_REDIS_PREFIX": settings.redis_prefix,
                   "GATEWAY_FANOUT_GROUP_ID": settings.fanout_group_id, "GATEWAY_FANOUT_OFFSET_RESET": "latest",
                   "GATEWAY_KAFKA__BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers}
    escalation_env = {"ESCALATION_DATABASE_URL": escalation_url, "ESCALATION_FAUST_OFFSET_RESET": "latest",
                      "ESCALATION_FAUST_APP_ID": f"escalation-gateway-e2e-{uuid.uuid4().hex[:8]}",
                      "ESCALATION_KAFKA__BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers}
    redis = Redis.from_url(settings.redis_url)
    worker_args = [sys.executable, "-m", "peerbridge_escalation.worker", "--datadir", str(logs / "faust"), "worker",
                   "--loglevel", "info", "--without-web"]
    with (running(worker_args, log=logs / "worker.log", env=escalation_env, ready=lambda text: "Ready" in text),
          running([sys.executable, "-m", "peerbridge_shared.outbox", "--database-url", escalation_url,
                   "--service", "escalation-relay-e2e"], log=logs / "relay.log"),
          running([sys.executable, "-m", "peerbridge_gateway.fanout"], log=logs / "fanout.log", env=gateway_env)):
        wait_until_consuming(settings, producer, redis)
        yield run_server(create_app(settings))
    redis.close()


def test_a_clinician_is_pushed_the_case_a_real_signal_opened(pipeline, token, tenant, producer):
    program = f"prog-{uuid.uuid4().hex[:6]}"
    participant = f"p-{uuid.uuid4().hex[:6]}"
    clinician = token(tenant, "clinician", user="clin-e2e", programs=[program])
    signal = RiskScreenCompleted(participant_id=participant, screen_id=str(uuid.uuid4()), program_id=program,
                                 instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=2,
                                 completed_at=datetime.now(UTC), screened_by="peer-e2e", positive=True,
                                 rule_version="phq9@1:item9>0")
    with websocket(pipeline, clinician) as ws:
        envelope = new_envelope(signal, tenant=tenant, source="/peerbridge/scheduling", subject=participant)
        publish(producer, envelope).get(10)
        message = next_event(ws, timeout_s=90)
    assert message["name"] == "case.opened"
    event = message["event"]
    assert (event["program_id"], event["risk_level"], event["data"]["participant_id"]) == (program, "high", participant)
    assert event["data"]["signal_event_ids"] == [envelope.id]
