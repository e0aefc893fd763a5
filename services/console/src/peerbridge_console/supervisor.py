"""The supervisor's pages: the notes waiting for their co-signature (oldest signature first) with a
co-sign button each; their team: each supervised peer's caseload against the cap, credential,
last supervision and whether they may deliver billable sessions (and why not), with the form to
log a supervision session held; and the supervision log of their team, most recent first."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .api import Problem, segment
from .sessions import Session
from .web import SUPERVISOR_ROLES, answered, current_session, gettext_for, paged, posted, render, whole
from .workforce import standing, why_not

router = APIRouter()



async def _names(console, session: Session, kind: str, ids: set[str]) -> dict[str, str]:  # noqa: ANN001
    """Display names of participants or peers, by id (one read each, audited for participants)."""
    found = await asyncio.gather(*(console.gateway.get(session, f"/{kind}/{segment(i)}") for i in sorted(ids)))
    if kind == "participants":
        return {p["id"]: f"{p['given_name']} {p['family_name']}" for p in found}
    return {p["id"]: p["display_name"] for p in found}


@router.get("/cosign")
async def cosign_queue(request: Request, q: str = "", page: int = 1) -> Response:
    """The notes waiting, oldest signature first; ``q`` keeps those of the peers whose name has it."""
    session = await current_session(request, SUPERVISOR_ROLES)
    console = request.app.state.console
    notes = await console.gateway.every(session, "/contacts", {"awaiting_cosign": "true"})
    peers = await _names(console, session, "peers", {n["peer_id"] for n in notes})
    wanted = q.strip().casefold()
    found = [n for n in notes if wanted in peers[n["peer_id"]].casefold()]
    shown, pager = paged(found, page, "/cosign", q=q)
    people = await _names(console, session, "participants", {n["participant_id"] for n in shown})
    return render(request, "cosign.html", session=session, notes=shown, pager=pager, people=people, peers=peers,
                  total=len(notes), q=q, nav="cosign")


@router.post("/contacts/{contact_id}/cosign")
async def cosign(request: Request, contact_id: str) -> Response:
    session, form, _ = await posted(request, SUPERVISOR_ROLES)
    try:
        await request.app.state.console.gateway.post(session, f"/contacts/{segment(contact_id)}/cosign",
                                                     idempotency_key=form.get("key", ""), json={})
    except Problem as problem:
        return await answered(request, session, "/cosign", _("Not co-signed: %(why)s") % {"why": problem.detail},
                              problem=True)
    return await answered(request, session, "/cosign", _("Co-signed."))


@router.get("/team")
async def team(request: Request, q: str = "", page: int = 1) -> Response:
    """The peers one supervises by name (``q``: those whose name has it), each with their standing."""
    session = await current_session(request, SUPERVISOR_ROLES)
    console = request.app.state.console
    mine = await _team(console, session)
    shown, pager = paged(_named(mine, q), page, "/team", q=q)
    rows = await asyncio.gather(*(standing(console, session, peer) for peer in shown))
    _ = gettext_for(request, session)
    for row in rows:
        row["why_not"] = why_not(row["peer"], row["status"], _)
    return render(request, "team.html", session=session, rows=rows, team=mine, pager=pager, q=q,
                  today=date.today().isoformat(), nav="team")


@router.get("/team/supervision")
async def supervision_log(request: Request, q: str = "", page: int = 1) -> Response:
    """The supervision sessions logged for the peers one supervises, the most recent first (``q``:
    those of the peers whose name has it), and whether each counts toward billing."""
    session = await current_session(request, SUPERVISOR_ROLES)
    console = request.app.state.console
    peers = _named(await _team(console, session), q)
    logs = await asyncio.gather(*(console.gateway.every(session, f"/peers/{segment(p['id'])}/supervision-logs")
                                  for p in peers))
    rows = sorted(({**log, "peer": peer} for peer, found in zip(peers, logs, strict=True) for log in found),
                  key=lambda row: (row["held_on"], row["id"]), reverse=True)
    shown, pager = paged(rows, page, "/team/supervision", q=q)
    return render(request, "supervision_log.html", session=session, rows=shown, pager=pager, q=q, nav="team")


async def _team(console, session: Session) -> list[dict]:  # noqa: ANN001
    """The peers the signed-in supervisor supervises in their programs, by name."""
    programs = session.user.get("programs") or []
    listed = await asyncio.gather(*(console.gateway.every(session, "/peers", {"program_id": p}) for p in programs))
    supervised = {p["id"]: p for peers in listed for p in peers if p.get("supervisor_id") == session.user_id}
    return sorted(supervised.values(), key=lambda p: p["display_name"].casefold())


def _named(peers: list[dict], q: str) -> list[dict]:
    wanted = q.strip().casefold()
    return [p for p in peers if wanted in p["display_name"].casefold()]


@router.post("/supervision-logs")
async def log_supervision(request: Request) -> Response:
    session, form, _ = await posted(request, SUPERVISOR_ROLES)
    try:
        await request.app.state.console.gateway.post(session, "/supervision-logs", idempotency_key=form.get("key", ""),
                                                     json={"peer_id": form.get("peer_id", ""), "minutes": whole(
                                                         form.get("minutes")), "held_on": form.get("held_on")
                                                         or datetime.now(UTC).date().isoformat()})
    except Problem as problem:
        return await answered(request, session, "/team", _("Not recorded: %(why)s") % {"why": problem.detail},
                              problem=True)
    return await answered(request, session, "/team", _("Supervision recorded."))
