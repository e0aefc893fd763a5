"""Case numbers count per organization: a new organization's first case is number 1 whatever the
platform's volume, numbers run on within an organization, and two organizations may share one."""

import uuid

from sqlalchemy import select

from peerbridge_escalation.cases.intake import handle
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
