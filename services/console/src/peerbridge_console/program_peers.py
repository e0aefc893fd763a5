"""The coordinator's peers of a program: each with credential expiry, training, last supervision and
whether they may deliver billable sessions (and why not); a peer's page with their training
record and a form to add a completed training."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .api import Problem, segment
from .sessions import Session
from .web import ADMIN_ROLES, answered, current_session, gettext_for, paged, posted, render
from .workforce import credential_note, standing, why_not

router = APIRouter()
HOURS = re.compile(r"[0-9]{1,4}([.,][0-9]{1,2})?")  # 7.5 or 7,5; ASCII digits only


def hours_of(text: str | None) -> float | str:
    """Hours as a number (a decimal comma taken too); anything else as typed, for the service to name."""
    value = (text or "").strip()
    return float(value.replace(",", ".")) if HOURS.fullmatch(value) else value


def _described(row: dict, today, _) -> dict:  # noqa: ANN001
    return {**row, "why_not": why_not(row["peer"], row["status"], _),
            "credential_note": credential_note(row["peer"], today, _)}


@router.get("/programs/{program_id}/peers")
async def peers(request: Request, program_id: str, q: str = "", page: int = 1) -> Response:
    session = await current_session(request, ADMIN_ROLES)
    console = request.app.state.console
    program, listed = await asyncio.gather(console.gateway.get(session, f"/programs/{segment(program_id)}"),
                                           console.gateway.every(session, "/peers", {"program_id": program_id}))
    wanted = q.strip().casefold()
    found = [p for p in listed if wanted in " ".join([p["display_name"], p["id"], *p["languages"], *p["tags"]]
                                                     ).casefold()]
    shown, pager = paged(found, page, f"/programs/{segment(program_id)}/peers", q=q)
    rows = await asyncio.gather(*(standing(console, session, peer) for peer in shown))
    _, today = gettext_for(request, session), datetime.now(UTC).date()
    return render(request, "peers.html", session=session, program=program, rows=[_described(r, today, _) for r in rows],
                  pager=pager, q=q, total=len(found), nav="programs")


async def _peer_page(request: Request, session: Session, peer_id: str, page: int = 1, q: str = "",
                     form: dict | None = None, problem: str = "", status: int = 200) -> Response:
    """The peer's standing and training record (newest first; ``q``: the courses whose name has it)."""
    console = request.app.state.console
    peer = await console.gateway.get(session, f"/peers/{segment(peer_id)}")
    row, trainings = await asyncio.gather(standing(console, session, peer),
                                          console.gateway.every(session, f"/peers/{segment(peer_id)}/training"))
    wanted = q.strip().casefold()
    shown, pager = paged([t for t in trainings if wanted in t["course"].casefold()], page,
                         f"/peers/{segment(peer_id)}", q=q)
    _, today = gettext_for(request, session), datetime.now(UTC).date()
    return render(request, "peer_profile.html", status, session=session, row=_described(row, today, _),
                  trainings=shown, trained=bool(trainings), pager=pager, q=q, today=today.isoformat(),
                  form=form or {}, problem=problem, nav="programs")


@router.get("/peers/{peer_id}")
async def peer_profile(request: Request, peer_id: str, q: str = "", page: int = 1) -> Response:
    session = await current_session(request, ADMIN_ROLES)
    return await _peer_page(request, session, peer_id, page, q)


@router.post("/peers/{peer_id}/training")
async def record_training(request: Request, peer_id: str) -> Response:
    session, form, _ = await posted(request, ADMIN_ROLES)
    try:
        await request.app.state.console.gateway.post(session, f"/peers/{segment(peer_id)}/training",
                                                     idempotency_key=form.get("key", ""), json={
            "course": form.get("course", "").strip(), "hours": hours_of(form.get("hours")),
            "completed_on": form.get("completed_on", "")})
    except Problem as problem:
        if problem.status != 422:
            raise
        return await _peer_page(request, session, peer_id, form=form, status=422,
                                problem=_("Not recorded: %(why)s") % {"why": problem.detail})
    return await answered(request, session, f"/peers/{segment(peer_id)}", _("Training recorded."))
