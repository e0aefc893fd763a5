"""Fault drills: a steady load of safety signals while a part of the platform fails. Pass: every
signal Kafka acknowledged gets exactly one case, one case-opened event and a page; each drill
prints what it lost (must be zero) and how long recovery took.

These restart the local stack's own servers (Kafka, PostgreSQL): run them on a stack nobody else
is using (``make test`` runs them last)."""

from __future__ import annotations

import os
import signal
import time

import pytest
from kafka.errors import KafkaError

from peerbridge_shared.topics import SAFETY

from .harness import ROOT, SignalLoad, escalation_pipeline, restart_worker_killed, settle, stack

ESCALATION_INI = ROOT / "services" / "escalation" / "alembic.ini"
STACK = ROOT / ".stack"


@pytest.fixture
def pipeline(migrated_database, kafka_settings, tmp_path):
    with escalation_pipeline(migrated_database("escalation", ESCALATION_INI), kafka_settings, tmp_path) as running:
        yield running


def drill(pipeline, kafka_settings, report, name: str, fault, load_s: float = 8.0) -> None:
    with SignalLoad(pipeline, kafka_settings) as load:
        time.sleep(load_s / 2)
        recovery_s = fault()
        time.sleep(load_s / 2)
    outcome = settle(pipeline, kafka_settings, list(load.acknowledged))
    report(outcome.report(name, recovery_s))
    assert outcome.signals > 0
    assert (outcome.lost, outcome.duplicated, outcome.unpaged) == ([], [], []), outcome.report(name, recovery_s)


@pytest.mark.timeout(600)
def test_escalation_worker_sigkilled_mid_stream(pipeline, kafka_settings, report):
    drill(pipeline, kafka_settings, report, "escalation worker SIGKILL", lambda: restart_worker_killed(pipeline))


@pytest.mark.timeout(600)
def test_kafka_broker_restarted(pipeline, kafka_settings, report):
    drill(pipeline, kafka_settings, report, "Kafka broker restart",
          lambda: stack("kafka", "stop") + stack("kafka", "start", "single"))


@pytest.mark.timeout(600)
def test_postgresql_restarted(pipeline, kafka_settings, report):
    drill(pipeline, kafka_settings, report, "PostgreSQL restart",
          lambda: stack("postgres", "stop") + stack("postgres", "start"))


def leader_of(kafka_admin, topic: str, partition: int) -> int:
    """The partition's leader; -1 while the admin client cannot ask (its broker may be the one killed)."""
    try:
        described = kafka_admin.describe_topics([topic])[0]
    except KafkaError:
        time.sleep(0.5)
        return -1
    return next(p["leader_id"] for p in described["partitions"] if p["partition_index"] == partition)


@pytest.mark.cluster
@pytest.mark.timeout(600)
def test_partition_leader_killed_on_the_cluster(pipeline, kafka_settings, kafka_admin, report):
    def kill_the_leader() -> float:
        leader = leader_of(kafka_admin, SAFETY.name, 0)
        os.kill(int((STACK / "kafka" / f"node-{leader}" / "pid").read_text()), signal.SIGKILL)
        started = time.monotonic()
        while leader_of(kafka_admin, SAFETY.name, 0) in (leader, -1):
            time.sleep(0.2)
        moved = time.monotonic() - started
        report(f"[drill] node {leader} (leader of {SAFETY.name}[0]) killed; new leader after {moved:.1f} s")
        stack("kafka", "start", "cluster")  # the node comes back and catches up
        return moved

    drill(pipeline, kafka_settings, report, "partition leader SIGKILL (3-node cluster)", kill_the_leader)
