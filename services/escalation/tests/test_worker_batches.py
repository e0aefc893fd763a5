"""The intake applies a batch of events in one transaction, and a batch with a bad event in it
again one event at a time: the bad one is dead-lettered alone, the others are applied in the order
consumed, and the audit chain stays whole (real PostgreSQL and Kafka)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from peerbridge_escalation.audit.models import AuditEntry
from peerbridge_escalation.audit.service import verify
from peerbridge_escalation.cases.models import Case
from peerbridge_escalation.settings import EscalationSettings
from peerbridge_escalation.worker import Intake, Received
from peerbridge_shared.events import encode
from peerbridge_shared.outbox import OutboxMessage
from peerbridge_shared.testing.kafka_reader import KafkaReader
from peerbridge_shared.topics import SAFETY

from .conftest import envelope
from .test_intake import phq9
from .test_ladder import pages, staff_program


def received(event, tenant, offset) -> Received:
    key, value, headers = encode(envelope(event, tenant))
    return Received(SAFETY.name, 0, offset, key, value, headers)


def intake(escalation_db, escalation_url, producer, app_id="escalation-batches") -> Intake:
    return Intake(EscalationSettings(database_url=escalation_url, max_attempts=1, faust_app_id=app_id),
                  escalation_db, producer)


def cases_of(escalation_db, tenant):
    with escalation_db.transaction() as session:
        return {case.participant_id: (case.risk_level, [s.effect for s in case.signals])
                for case in session.scalars(select(Case).where(Case.organization_id == tenant))}


def test_a_batch_opens_upgrades_and_joins_cases_and_chains_its_audit_entries_in_order(
        escalation_db, escalation_url, producer, tenant):
    first, _ = staff_program(escalation_db, tenant)
    second, _ = staff_program(escalation_db, tenant)
    worker = intake(escalation_db, escalation_url, producer)
    assert worker.process_batch([received(phq9(second, 1), tenant, 0)]) == ["opened"]  # open before the batch
    batch = [received(phq9(first, 1), tenant, 1), received(phq9(second, 2), tenant, 2),
             received(phq9(first, 3), tenant, 3), received(phq9(second, 1), tenant, 4)]
    batch.append(batch[2]._replace(offset=5))  # the same event delivered twice within the batch

    outcomes = worker.process_batch(batch)

    assert outcomes == ["opened", "upgraded", "upgraded", "joined", "duplicate"]
    assert cases_of(escalation_db, tenant) == {first: ("high", ["opened", "upgraded"]),
                                               second: ("high", ["opened", "upgraded", "joined"])}
    with escalation_db.transaction() as session:
        assert verify(session, organization_id=tenant).valid
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.organization_id == tenant)
                                  .order_by(AuditEntry.id)).all()
        notified = session.scalar(select(OutboxMessage.id).where(OutboxMessage.event_type.endswith("notified.v1"))
                                  .order_by(OutboxMessage.id.desc()).limit(1))
    assert actions[-7:] == ["signal.opened", "level.paged", "signal.upgraded", "level.paged", "signal.upgraded",
                            "level.paged", "signal.joined"]
    assert notified is not None


def test_one_batch_keeps_two_organizations_with_the_same_participant_id_apart(
        escalation_db, escalation_url, producer, tenant):
    other_tenant = f"org-{uuid.uuid4().hex[:8]}"
    participant, _ = staff_program(escalation_db, tenant, own_clinician="own-1")
    staff_program(escalation_db, other_tenant, own_clinician="oncall-b", participant=participant)
    batch = [received(phq9(participant, 1), tenant, 20), received(phq9(participant, 1), other_tenant, 21),
             received(phq9(participant, 3), tenant, 22), received(phq9(participant, 1), other_tenant, 23)]

    outcomes = intake(escalation_db, escalation_url, producer).process_batch(batch)

    assert outcomes == ["opened", "opened", "upgraded", "joined"]
    assert cases_of(escalation_db, tenant) == {participant: ("high", ["opened", "upgraded"])}
    assert cases_of(escalation_db, other_tenant) == {participant: ("moderate", ["opened", "joined"])}
    assert pages(escalation_db, tenant)[0] == (0, "own-1")  # each organization's own care team
    assert pages(escalation_db, other_tenant)[0] == (0, "oncall-b")
    assert all(recipient != "own-1" for _, recipient in pages(escalation_db, other_tenant))
    with escalation_db.transaction() as session:
        for organization, expected in ((tenant, ["signal.opened", "level.paged", "signal.upgraded", "level.paged"]),
                                       (other_tenant, ["signal.opened", "level.paged", "signal.joined"])):
            assert verify(session, organization_id=organization).valid
            actions = session.scalars(select(AuditEntry.action).where(AuditEntry.organization_id == organization)
                                      .order_by(AuditEntry.id)).all()
            assert [a for a in actions if a.startswith(("signal.", "level."))] == expected


def test_a_bad_event_in_a_batch_is_dead_lettered_alone_and_the_rest_applied_in_order(
        escalation_db, escalation_url, producer, kafka_settings, tenant):
    participant, _ = staff_program(escalation_db, tenant)
    other, _ = staff_program(escalation_db, tenant)
    dead = KafkaReader(kafka_settings, [SAFETY.dead_letter])
    too_long = "p" * 80  # a valid event whose program id the database cannot hold: its intake fails
    batch = [received(phq9(participant, 1), tenant, 10), received(phq9(other, 1, program_id=too_long), tenant, 11),
             received(phq9(participant, 3), tenant, 12), Received(SAFETY.name, 0, 13, b"k", b"{not json", [])]

    app_id = f"escalation-batches-{uuid.uuid4().hex[:8]}"
    outcomes = intake(escalation_db, escalation_url, producer, app_id).process_batch(batch)

    assert outcomes == ["opened", "dead_lettered", "upgraded", "dead_lettered"]
    assert cases_of(escalation_db, tenant) == {participant: ("high", ["opened", "upgraded"])}
    parked = sorted(dict(r.headers)["dlq_origin_offset"] for r in dead.read_to_end()
                    if dict(r.headers).get("dlq_consumer_group") == app_id.encode())
    assert parked == [b"11", b"13"]
    dead.close()
    with escalation_db.transaction() as session:
        assert verify(session, organization_id=tenant).valid
