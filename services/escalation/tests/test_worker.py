"""The Faust worker against real Kafka and PostgreSQL: a signal produced by scheduling becomes a
case and an EscalationOpened event; a poison record goes to the dead-letter topic and the record
after it is still handled."""

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from peerbridge_escalation.cases.models import Case
from peerbridge_shared.events import decode, encode
from peerbridge_shared.events.safety import RiskScreenCompleted, ScreenInstrument
from peerbridge_shared.messaging import publish, send
from peerbridge_shared.outbox import OutboxRelay
from peerbridge_shared.testing.kafka_reader import KafkaReader
from peerbridge_shared.topics import CASES, SAFETY

from .conftest import envelope

NOW = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


@pytest.fixture
def worker(escalation_url, kafka_settings, tmp_path):
    log = tmp_path / "worker.log"
    app_id = f"escalation-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "ESCALATION_DATABASE_URL": escalation_url,
           "ESCALATION_KAFKA__BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
           "ESCALATION_FAUST_APP_ID": app_id,
           "ESCALATION_FAUST_OFFSET_RESET": "latest", "OTEL_TRACES_EXPORTER": "none"}
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "peerbridge_escalation.worker", "--datadir",
                                    str(tmp_path / "faust"), "worker", "--loglevel", "info",
                                    "--without-web"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while "Ready" not in log.read_text():
        assert process.poll() is None, log.read_text()[-3000:]
        if time.monotonic() > deadline:
            pytest.fail("worker not ready in 90 s:\n" + log.read_text()[-3000:])
        time.sleep(0.2)
    time.sleep(2)  # partitions assigned and positioned
    yield app_id, log
    process.terminate()
    process.wait(timeout=60)


def screen(participant, item9):
    return RiskScreenCompleted(participant_id=participant, screen_id=str(uuid.uuid4()), program_id="prog-1",
                               instrument=ScreenInstrument.PHQ9_ITEM9, phq9_item9=item9, completed_at=NOW,
                               screened_by="peer-1", positive=True, rule_version="phq9@1:item9>0")


def test_a_signal_becomes_a_case_and_a_poison_record_is_dead_lettered(worker, escalation_db, producer,
                                                                      kafka_settings, tenant):
    app_id, log = worker
    participant = f"p-{uuid.uuid4().hex[:6]}"
    cases = KafkaReader(kafka_settings, [CASES.name])
    dead = KafkaReader(kafka_settings, [SAFETY.dead_letter])
    first = envelope(screen(participant, 2), tenant)
    publish(producer, first).get(10)
    key, _, headers = encode(envelope(screen(participant, 1), tenant))
    poison = send(producer, SAFETY.name, key, b"{not json", headers).get(10)
    after = envelope(screen(participant, 3), tenant)
    publish(producer, after).get(10)

    deadline = time.monotonic() + 60
    case = None
    while time.monotonic() < deadline:
        with escalation_db.transaction() as session:
            case = session.scalars(select(Case).where(Case.organization_id == tenant)).first()
            signals = [s.event_id for s in case.signals] if case else []
        if len(signals) == 2:
            break
        time.sleep(0.3)
    assert signals == [first.id, after.id], log.read_text()[-3000:]
    assert case.risk_level == "high"

    relay = OutboxRelay(escalation_db, producer)
    while relay.publish_batch():
        pass
    opened = [decode(r.key, r.value, r.headers) for r in cases.read_to_end()]
    mine = [e for e in opened if e.subject == case.id]  # a running `make up` worker may open its own copy
    assert mine[0].type == "org.peerbridge.escalation.case.opened.v1"
    assert mine[0].data.case_number == case.case_number

    deadline = time.monotonic() + 30
    parked = []
    while not parked and time.monotonic() < deadline:
        parked = [r for r in dead.read(1, timeout_s=1) if dict(r.headers).get("dlq_consumer_group") == app_id.encode()]
    [parked] = parked
    meta = {name: value.decode() for name, value in parked.headers}
    assert (meta["dlq_origin_topic"], int(meta["dlq_origin_partition"]), int(meta["dlq_origin_offset"])) == (
        SAFETY.name, poison.partition, poison.offset)
    assert meta["dlq_reason"].startswith("value: not JSON")
    cases.close()
    dead.close()
