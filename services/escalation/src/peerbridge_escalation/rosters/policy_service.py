"""A program's escalation policy: set (validated, audited) and looked up when a case opens."""

from __future__ import annotations

from sqlalchemy.orm import Session

from peerbridge_shared.deps import Clock
from peerbridge_shared.identity import Identity

from ..audit.service import append
from ..configuration import forget, remembered
from ..policy import DEFAULT_POLICY, Policy
from .models import ProgramPolicy


def policy_for(session: Session, organization_id: str, program_id: str) -> Policy:
    def load() -> Policy:
        row = session.get(ProgramPolicy, (organization_id, program_id))
        return Policy.model_validate(row.policy) if row else DEFAULT_POLICY

    return remembered(session, ("policy", organization_id, program_id), load)


def policy_and_snapshot(session: Session, organization_id: str, program_id: str) -> tuple[Policy, dict]:
    """The program's policy and the JSON a new case keeps of it, each made once per transaction
    (the cases of a batch share the snapshot: it is never changed in place)."""
    policy = policy_for(session, organization_id, program_id)
    return policy, remembered(session, ("policy_snapshot", organization_id, program_id),
                              lambda: policy.model_dump(mode="json"))


def set_policy(*, session: Session, caller: Identity, program_id: str, policy: Policy, clock: Clock) -> Policy:
    forget(session)
    row = session.get(ProgramPolicy, (caller.organization_id, program_id)) or ProgramPolicy(
        organization_id=caller.organization_id, program_id=program_id)
    row.policy, row.updated_by, row.updated_at = policy.model_dump(mode="json"), caller.user_id, clock()
    session.add(row)
    append(session, organization_id=caller.organization_id, case_id=None, action="policy.set", actor=caller.user_id,
           detail={"program_id": program_id, "version": policy.version}, at=clock())
    return policy
