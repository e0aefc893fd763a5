"""The supervisor's pages: the notes waiting for their co-signature (oldest signature first) with a
co-sign button each, and their team: each supervised peer's caseload against the cap, credential,
last supervision and whether they may deliver billable sessions (and why not), with the
supervision log to record a session held."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from .api import Problem, segment
from .sessions import Session
from .web import SUPERVISOR_ROLES, checked_form, current_session, flash, gettext_for, paged, render, whole

router = APIRouter()



async def _names(console, session: Session, kind: str, ids: set[str]) -> dict[str, str]:  # noqa: ANN001
    """Display names of participants or peers, by id (one read each, audited for participants)."""
    found = await asyncio.gather(*(console.gateway.get(session, f"/{kind}/{segment(i)}") for i in sorted(ids)))
    if kind == "participants":
        return {p["id"]: f"{p['given_name']} {p['family_name']}" for p in found}
    return {p["id"]: p["display_name"] for p in found}


@router.get("/cosign")
async def cosign_queue(request: Request, page: int = 1) -> Response:
    session = await current_session(request, SUPERVISOR_ROLES)
    console = request.app.state.console
    notes = await console.gateway.every(session, "/contacts", {"awaiting_cosign": "true"})
    shown, pager = paged(notes, page, "/cosign")
    people, peers = await asyncio.gather(_names(console, session, "participants", {n["participant_id"] for n in shown}),
                                         _names(console, session, "peers", {n["peer_id"] for n in shown}))
    return render(request, "cosign.html", session=session, notes=shown, pager=pager, people=people, peers=peers,
                  total=len(notes), nav="cosign")


@router.post("/contacts/{contact_id}/cosign")
async def cosign(request: Request, contact_id: str) -> Response:
    session = await current_session(request, SUPERVISOR_ROLES)
    console = request.app.state.console
    form = await checked_form(request, session)
    _ = gettext_for(request, session)
    try:
        await console.gateway.post(session, f"/contacts/{segment(contact_id)}/cosign",
                                   idempotency_key=form.get("key", ""), json={})
        flash(session, _("Co-signed."))
    except Problem as problem:
        flash(session, _("Not co-signed: %(why)s") % {"why": problem.detail}, problem=True)
    await console.sessions.save(session)
    return RedirectResponse("/cosign", status_code=303)


@router.get("/team")
async def team(request: Request) -> Response:
    session = await current_session(request, SUPERVISOR_ROLES)
    console = request.app.state.console
    programs = session.user.get("programs") or []
    listed = await asyncio.gather(*(console.gateway.every(session, "/peers", {"program_id": p}) for p in programs))
    mine = [peer for peers in listed for peer in peers if peer.get("supervisor_id") == session.user_id]
    rows = await asyncio.gather(*(_member(console, session, peer) for peer in mine))
    _ = gettext_for(request, session)
    for row in rows:
        row["why_not"] = _why_not(row, _)
    return render(request, "team.html", session=session, rows=sorted(rows, key=lambda r: r["peer"]["display_name"]),
                  today=date.today().isoformat(), nav="team")


async def _member(console, session: Session, peer: dict) -> dict:  # noqa: ANN001
    status, caseload = await asyncio.gather(
        console.gateway.get(session, f"/peers/{segment(peer['id'])}/status"),
        console.gateway.every(session, "/enrollments", {"peer_id": peer["id"], "active": "true",
                                                        "program_id": peer["program_id"]}))
    return {"peer": peer, "status": status, "caseload": len(caseload)}


def _why_not(row: dict, _) -> list[str]:  # noqa: ANN001
    """The reasons a peer may not deliver billable sessions, in the reader's words."""
    status, why = row["status"], []
    if not status["credential_valid"]:
        why.append(_("credential expired on %(day)s") % {"day": row["peer"]["credential_expires_on"]})
    if not status["supervision_current"]:
        why.append(_("no supervision within the program's interval (last: %(day)s)")
                   % {"day": status["last_supervision_on"] or _("never")})
    return why


@router.post("/supervision-logs")
async def log_supervision(request: Request) -> Response:
    session = await current_session(request, SUPERVISOR_ROLES)
    console = request.app.state.console
    form = await checked_form(request, session)
    _ = gettext_for(request, session)
    try:
        await console.gateway.post(session, "/supervision-logs", idempotency_key=form.get("key", ""), json={
            "peer_id": form.get("peer_id", ""), "held_on": form.get("held_on") or datetime.now(UTC).date().isoformat(),
            "minutes": whole(form.get("minutes"))})
        flash(session, _("Supervision recorded."))
    except Problem as problem:
        flash(session, _("Not recorded: %(why)s") % {"why": problem.detail}, problem=True)
    await console.sessions.save(session)
    return RedirectResponse("/team", status_code=303)
