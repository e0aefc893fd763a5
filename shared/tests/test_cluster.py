"""The 3-node local cluster (``make stack-up KAFKA_MODE=cluster``): registry topics are
replicated 3 ways with min.insync.replicas 2, and acks=all publishing survives one broker down."""

import subprocess
import time
from pathlib import Path

import pytest
from kafka.admin import ConfigResource, ConfigResourceType

from peerbridge_shared.outbox import OutboxRelay, add_event
from peerbridge_shared.testing.kafka_reader import KafkaReader
from peerbridge_shared.topics import SAFETY, TOPICS

from .test_outbox import SOURCE, concern, ids_in

pytestmark = pytest.mark.cluster
ROOT = Path(__file__).resolve().parents[2]
NODE3 = ROOT / ".stack" / "kafka" / "node-3"


def test_registry_topics_are_replicated_three_ways_with_min_isr_two(kafka_admin):
    assert len(kafka_admin.describe_cluster()["brokers"]) == 3
    for topic in kafka_admin.describe_topics([t.name for t in TOPICS]):
        assert all(len(p["replica_nodes"]) == 3 for p in topic["partitions"]), topic["topic"]
    configs = kafka_admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t.name) for t in TOPICS])
    assert {name: c["min.insync.replicas"]["value"] for name, c in configs["topic"].items()} == {
        t.name: "2" for t in TOPICS}


def test_publishing_with_acks_all_goes_on_with_one_broker_down(database, producer, kafka_settings):
    reader = KafkaReader(kafka_settings, [SAFETY.name])
    pid = int((NODE3 / "pid").read_text())
    subprocess.run(["kill", "-9", str(pid)], check=True)
    try:
        with database.transaction() as session:
            event_id = add_event(session, concern(), tenant="org-a", source=SOURCE)["event_id"]
        deadline = time.monotonic() + 60
        while not OutboxRelay(database, producer).publish_batch() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert ids_in(reader.read(1, timeout_s=60)) == [event_id]
    finally:
        subprocess.run(["bash", str(ROOT / "deploy/local/kafka.sh"), "start", "cluster"], check=True)
        reader.close()
