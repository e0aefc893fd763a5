"""The audit trail is hash-chained: any edit or removal is found and located."""

from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from peerbridge_escalation.audit.models import AuditEntry
from peerbridge_escalation.audit.service import append, verify

AT = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


def write(db, tenant, n):
    with db.transaction() as session:
        for i in range(n):
            append(session, organization_id=tenant, case_id="case-1", action="case.viewed", actor=f"clin-{i}",
                   detail={"i": i}, at=AT)
    with db.transaction() as session:  # inserted in the order appended
        entries = session.execute(select(AuditEntry.id, AuditEntry.actor).where(AuditEntry.organization_id == tenant)
                                  .order_by(AuditEntry.id)).all()
    assert [actor for _, actor in entries] == [f"clin-{i}" for i in range(n)]
    return [entry_id for entry_id, _ in entries]


def test_an_untouched_chain_verifies(escalation_db, tenant):
    write(escalation_db, tenant, 5)
    with escalation_db.transaction() as session:
        result = verify(session, organization_id=tenant)
    assert (result.entries, result.valid) == (5, True)


def test_an_edited_entry_is_found(escalation_db, tenant):
    ids = write(escalation_db, tenant, 4)
    with escalation_db.transaction() as session:
        session.execute(update(AuditEntry).where(AuditEntry.id == ids[2]).values(actor="someone-else"))
    with escalation_db.transaction() as session:
        result = verify(session, organization_id=tenant)
    assert (result.valid, result.first_broken_id, result.reason) == (False, ids[2], "this entry was altered")


def test_a_removed_entry_is_found(escalation_db, tenant):
    ids = write(escalation_db, tenant, 4)
    with escalation_db.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.id == ids[1]))
    with escalation_db.transaction() as session:
        result = verify(session, organization_id=tenant)
        assert session.scalar(select(AuditEntry.id).where(AuditEntry.id == ids[1])) is None
    assert (result.valid, result.first_broken_id) == (False, ids[2])
