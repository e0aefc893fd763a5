"""A peer's standing as coordinators and supervisors see it: caseload against the cap, credential,
training, last supervision, and whether they may deliver billable sessions (and why not, in the
reader's words). The scheduling service decides; this only reads and words it."""

from __future__ import annotations

import asyncio
from datetime import date

from .api import segment
from .sessions import Session

CREDENTIAL_WARNING_DAYS = 60  # a renewal takes weeks: say so before it lapses


async def standing(console, session: Session, peer: dict) -> dict:  # noqa: ANN001
    """The peer with their status today and their active caseload."""
    status, caseload = await asyncio.gather(
        console.gateway.get(session, f"/peers/{segment(peer['id'])}/status"),
        console.gateway.every(session, "/enrollments", {"peer_id": peer["id"], "active": "true",
                                                        "program_id": peer["program_id"]}))
    return {"peer": peer, "status": status, "caseload": len(caseload)}


def why_not(peer: dict, status: dict, _) -> list[str]:  # noqa: ANN001
    """The reasons a peer may not deliver billable sessions."""
    why = []
    if not status["credential_valid"]:
        why.append(_("credential expired on %(day)s") % {"day": peer["credential_expires_on"]})
    if not status["supervision_current"]:
        why.append(_("no supervision within the program's interval (last: %(day)s)")
                   % {"day": status["last_supervision_on"] or _("never")})
    return why


def credential_note(peer: dict, today: date, _) -> str:  # noqa: ANN001
    """'expired' or 'expires in N days' when the renewal is due soon; nothing otherwise."""
    left = (date.fromisoformat(peer["credential_expires_on"]) - today).days
    if left < 0:
        return _("expired")
    if left <= CREDENTIAL_WARNING_DAYS:
        return _("expires in %(days)s days") % {"days": left}
    return ""
