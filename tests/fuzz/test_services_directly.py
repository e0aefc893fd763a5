"""Every service's own API fuzzed directly (not through the gateway), with an internal token as the
gateway would send: schemathesis's generated requests and hostile strings in every path, query and
body field, against real PostgreSQL and Kafka. No request may get a 5xx; the counts are printed."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
import schemathesis

from peerbridge_shared.identity import Identity, Role, issue_internal_token
from peerbridge_shared.settings import DEV_SECRET
from peerbridge_shared.testing.fuzzing import Tally, fuzz

SERVICES = Path(__file__).resolve().parents[2] / "services"
ORG = f"org-fuzz-{uuid.uuid4().hex[:6]}"
CREATED_TOPICS: list[str] = []


def internal_headers() -> dict[str, str]:
    identity = Identity(ORG, "admin-fuzz", frozenset({Role.PROGRAM_ADMIN, Role.CLINICIAN, Role.SUPERVISOR}))
    return {"Authorization": f"Bearer {issue_internal_token(identity, DEV_SECRET, ttl_s=3600)}"}


def ready_within(base: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while httpx.get(base + "/readyz", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, f"{base} not ready in {seconds} s"
        time.sleep(0.5)


def scheduling_app(migrated_database, kafka_settings, kafka_admin):
    from peerbridge_scheduling.app import create_app
    from peerbridge_scheduling.settings import SchedulingSettings

    url = migrated_database("fuzz_scheduling", SERVICES / "scheduling" / "alembic.ini")
    return create_app(SchedulingSettings(database_url=url, kafka=kafka_settings))


def escalation_app(migrated_database, kafka_settings, kafka_admin):
    from peerbridge_escalation.app import create_app
    from peerbridge_escalation.settings import EscalationSettings

    url = migrated_database("fuzz_escalation", SERVICES / "escalation" / "alembic.ini")
    return create_app(EscalationSettings(database_url=url, kafka=kafka_settings))


def metrics_app(migrated_database, kafka_settings, kafka_admin):
    from kafka.admin import NewTopic

    from peerbridge_metrics.app import create_app
    from peerbridge_metrics.settings import MetricsSettings
    from peerbridge_metrics.tables import TABLES

    app_id = f"fuzz-metrics-{uuid.uuid4().hex[:6]}"  # the read API is ready once it read its (empty) changelogs
    CREATED_TOPICS.extend(spec.changelog(app_id) for spec in TABLES)
    kafka_admin.create_topics([NewTopic(spec.changelog(app_id), spec.partitions, 1) for spec in TABLES])
    return create_app(MetricsSettings(kafka=kafka_settings, faust_app_id=app_id))


@pytest.mark.parametrize("make_app", [scheduling_app, escalation_app, metrics_app],
                         ids=["scheduling", "escalation", "metrics"])
def test_no_request_to_a_service_gets_a_server_error(make_app, migrated_database, kafka_settings, kafka_admin,
                                                     run_server):
    base = run_server(make_app(migrated_database, kafka_settings, kafka_admin))
    ready_within(base, 120)  # metrics reads its tables first: 503 until then, and rightly so
    schema = schemathesis.openapi.from_url(base + "/openapi.json").exclude(path_regex="^/(healthz|readyz|metrics)")
    tally = Tally()
    try:
        failures = fuzz(schema, internal_headers(), tally)
    finally:
        if CREATED_TOPICS:
            kafka_admin.delete_topics(CREATED_TOPICS)
            CREATED_TOPICS.clear()
    print("\n" + tally.report(make_app.__name__.removesuffix("_app")))
    assert tally.counts["requests"] > 0
    assert not tally.server_errors, "\n".join(tally.server_errors[:20])
    assert not failures, "\n\n".join(failures[:20])
