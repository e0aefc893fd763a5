"""Fault drills on the whole platform with the simulator running (platform_drill.py): (a) SIGKILL
the escalation worker, (b) restart the Kafka broker, (c) on the 3-node cluster kill a partition
leader, (d) restart PostgreSQL and, 3 s later, (e) stop Redis, in one run. Each prints what it lost
(must be zero) and how long recovery took. test_redis_outage.py checks how the gateway degrades while Redis is down.

These restart the local stack's own servers (Kafka, PostgreSQL, Redis): run them on a stack nobody
else is using (``make test`` runs them last)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from kafka.errors import KafkaError

from peerbridge_shared.topics import SAFETY

from ..e2e.platform import private_platform, smtp_inbox
from .harness import ROOT, stack
from .platform_drill import run_drill

REDIS_AFTER_POSTGRES_S = 3
STACK = Path(os.environ.get("PEERBRIDGE_STACK_DIR", ROOT / ".stack"))  # as deploy/local/lib.sh


@pytest.fixture(scope="module")
def platform(migrated_database, kafka_settings, kafka_admin, tmp_path_factory):
    with (smtp_inbox() as (_, smtp_port),
          private_platform(migrated_database, kafka_settings, tmp_path_factory.mktemp("drills"),
                           smtp_port=smtp_port) as running):
        yield running


@pytest.fixture
def drill(platform, kafka_settings, report):
    def run(name: str, fault, seed: int) -> None:
        result = run_drill(platform, kafka_settings, name, fault, seed)
        report(result.report())
        assert result.signals.signals > 0 and result.writes.kept > 0 and result.figures > 0
        assert result.lost == 0, result.report() + f"\n{result.signals.lost[:5]} {result.writes.lost[:5]} " \
                                                   f"{result.mismatches[:5]} {result.problems[:5]}"

    return run


def restart_killed(platform, name: str) -> float:
    """SIGKILL one of the platform's processes and start it again; seconds until it is ready."""
    platform.processes[name].kill()
    platform.processes[name].wait()
    started = time.monotonic()
    platform.restart(name)
    return time.monotonic() - started


@pytest.mark.timeout(1200)
def test_escalation_worker_sigkilled_mid_stream(drill, platform):
    drill("escalation worker SIGKILL", lambda: restart_killed(platform, "escalation-worker"), seed=21)


@pytest.mark.timeout(1200)
def test_kafka_broker_restarted(drill):
    drill("Kafka broker restart", lambda: stack("kafka", "stop") + stack("kafka", "start", "single"), seed=22)


@pytest.mark.timeout(1200)
def test_postgresql_restarted_then_redis_stopped(drill, report):
    """Both datastores in one run (a drill is minutes of simulated program): Redis stops for 5 s,
    3 s after the restarted PostgreSQL is back."""
    def outage() -> float:
        postgres = stack("postgres", "stop") + stack("postgres", "start")
        time.sleep(REDIS_AFTER_POSTGRES_S)
        redis = stack("redis", "stop") + 5
        time.sleep(5)
        redis += stack("redis", "start")
        report(f"[drill] PostgreSQL stopped and back in {postgres:.1f} s; Redis, {REDIS_AFTER_POSTGRES_S} s later, "
               f"in {redis:.1f} s")
        return postgres + REDIS_AFTER_POSTGRES_S + redis

    drill("PostgreSQL restart, then Redis stop", outage, seed=23)


def leader_of(kafka_admin, topic: str, partition: int) -> int:
    """The partition's leader; -1 while the admin client cannot ask (its broker may be the one killed)."""
    try:
        described = kafka_admin.describe_topics([topic])[0]
    except KafkaError:
        time.sleep(0.5)
        return -1
    return next(p["leader_id"] for p in described["partitions"] if p["partition_index"] == partition)


@pytest.mark.cluster
@pytest.mark.timeout(1200)
def test_partition_leader_killed_on_the_cluster(drill, kafka_admin, report):
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

    drill("partition leader killed (3-node cluster)", kill_the_leader, seed=25)
