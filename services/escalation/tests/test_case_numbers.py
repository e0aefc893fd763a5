"""Case numbers count per organization: a new organization's first case is number 1 whatever the
platform's volume, numbers run on within an organization (within a batch, and across concurrent
batches of one organization), and two organizations may share one."""

import threading
import uuid

from sqlalchemy import event, select

from peerbridge_escalation.cases.intake import handle, handle_batch
from peerbridge_escalation.cases.models import Case

from .conftest import envelope
from .test_intake import NOW, phq9


def numbers(db, tenant):
    with db.transaction() as session:
        return sorted(session.scalars(select(Case.case_number).where(Case.organization_id == tenant)))


def test_each_organization_counts_its_own_cases(escalation_db):
    busy, new = f"org-{uuid.uuid4().hex[:8]}", f"org-{uuid.uuid4().hex[:8]}"
    for _ in range(3):
        with escalation_db.transaction() as session:
            handle(session, envelope(phq9(f"p-{uuid.uuid4().hex[:6]}", 2), busy), NOW)
    with escalation_db.transaction() as session:
        handle(session, envelope(phq9(f"p-{uuid.uuid4().hex[:6]}", 2), new), NOW)
    assert numbers(escalation_db, busy) == ["ESC-2026-000001", "ESC-2026-000002", "ESC-2026-000003"]
    assert numbers(escalation_db, new) == ["ESC-2026-000001"], "nothing about the platform's volume"


def new_signals(tenant, count):
    return [envelope(phq9(f"p-{uuid.uuid4().hex[:6]}", 2), tenant) for _ in range(count)]


def counter_statements(db):
    """The SQL statements that touch the counter table, as they are sent."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "case_number_counters" in statement:
            seen.append(statement.split()[0])
    event.listen(db.engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", record)


def test_a_batch_takes_consecutive_numbers_in_one_round_trip_and_the_next_batch_continues(escalation_db):
    busy, other = f"org-{uuid.uuid4().hex[:8]}", f"org-{uuid.uuid4().hex[:8]}"
    batch = [signal for pair in zip(new_signals(busy, 4), new_signals(other, 4), strict=True) for signal in pair]
    statements, stop = counter_statements(escalation_db)
    try:
        with escalation_db.transaction() as session:
            handle_batch(session, batch, lambda: NOW)
    finally:
        stop()
    assert statements == ["INSERT", "INSERT", "UPDATE"], "one upsert per organization, one update at commit"
    with escalation_db.transaction() as session:
        handle_batch(session, new_signals(busy, 2), lambda: NOW)
    assert numbers(escalation_db, busy) == [f"ESC-2026-{n:06d}" for n in range(1, 7)]
    assert numbers(escalation_db, other) == [f"ESC-2026-{n:06d}" for n in range(1, 5)]


def test_a_concurrent_batch_of_the_same_organization_waits_and_numbers_after_the_first(escalation_db):
    tenant = f"org-{uuid.uuid4().hex[:8]}"
    second_done = threading.Event()

    def second_batch():
        with escalation_db.transaction() as session:
            handle_batch(session, new_signals(tenant, 3), lambda: NOW)
        second_done.set()

    with escalation_db.transaction() as session:
        handle_batch(session, new_signals(tenant, 3), lambda: NOW)
        second = threading.Thread(target=second_batch)
        second.start()
        assert not second_done.wait(0.5), "the counter row is held until the first batch commits"
    second.join(10)
    assert second_done.is_set()
    assert numbers(escalation_db, tenant) == [f"ESC-2026-{n:06d}" for n in range(1, 7)]
