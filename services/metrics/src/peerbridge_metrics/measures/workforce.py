"""Workforce: supervision hours per peer, caseload against the peer's cap, credentials expiring soon."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..state import ParticipantState, PeerState
from .periods import PeriodOf, month_of
from .rows import Figures

EXPIRING_WITHIN = timedelta(days=30)


@dataclass
class PeerLoad(Figures):
    """A peer's caseload against their cap, credential expiry and supervision hours per period."""

    KEY = "organization, program, peer"
    DERIVED = {"supervision_hours": dict[str, float], "over_cap": bool}
    caseload: int = 0
    caseload_cap: int | None = None
    credential_expires_on: date | None = None
    credential_expiring: bool = False
    supervision_minutes: dict[str, int] = field(default_factory=dict)  # by period

    def derived(self) -> dict:
        hours = {period: round(minutes / 60, 2) for period, minutes in sorted(self.supervision_minutes.items())}
        over = self.caseload_cap is not None and self.caseload > self.caseload_cap
        return {"supervision_hours": hours, "over_cap": over}


def workforce(participants: Iterable[ParticipantState], peers: Iterable[PeerState], as_of: date,
              period_of: PeriodOf = month_of) -> dict[tuple[str, str, str], PeerLoad]:
    """(organization, program, peer) -> open enrollments assigned to the peer against their cap, credential
    expiring within 30 days of ``as_of`` (or expired), supervision hours per period."""
    result: dict[tuple[str, str, str], PeerLoad] = defaultdict(PeerLoad)
    for peer in peers:
        for fact in peer.supervision.values():
            entry = result[(peer.organization_id, fact.program_id, peer.peer_id)]
            period = period_of(fact.held_on)
            entry.supervision_minutes[period] = entry.supervision_minutes.get(period, 0) + fact.minutes
        if peer.profile is not None:
            entry = result[(peer.organization_id, peer.profile.program_id, peer.peer_id)]
            entry.caseload_cap = peer.profile.caseload_cap
            entry.credential_expires_on = peer.profile.credential_expires_on
            entry.credential_expiring = peer.profile.credential_expires_on <= as_of + EXPIRING_WITHIN
    for state in participants:
        for enrollment_id, assignment in state.assignments.items():
            enrollment = state.enrollments.get(enrollment_id)
            if enrollment is not None and (enrollment.ended_on is None or enrollment.ended_on > as_of):
                result[(state.organization_id, assignment.program_id, assignment.peer_id)].caseload += 1
    return dict(result)
