"""The coordinator enrolls a participant and matches a peer: the new participant with their
program consent and enrollment (each step idempotent under the form's key and its body, so sending
the form again makes no second participant), then every peer of the program ranked with the reasons for
each place, and the chosen peer assigned under If-Match (another coordinator's assignment since the
page was drawn is shown, not overwritten)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from .api import Problem, form_key, segment
from .web import ADMIN_ROLES, answered, current_session, flash, paged, posted, render

router = APIRouter()
PERSON_FIELDS = ("given_name", "family_name", "birth_date", "phone", "email", "preferred_language")



async def _form_context(request: Request, session, program_id: str) -> dict:  # noqa: ANN001
    console = request.app.state.console
    program = await console.gateway.get(session, f"/programs/{segment(program_id)}")
    sites = await console.gateway.every(session, f"/programs/{segment(program_id)}/sites")
    today = datetime.now(ZoneInfo(program["time_zone"])).date().isoformat()
    return {"program": program, "sites": sites, "today": today, "now": datetime.now(UTC).isoformat()}


@router.get("/programs/{program_id}/enroll")
async def enroll_form(request: Request, program_id: str) -> Response:
    session = await current_session(request, ADMIN_ROLES)
    context = await _form_context(request, session, program_id)
    return render(request, "enroll.html", session=session, form={}, nav="programs", **context)


@router.post("/programs/{program_id}/enroll")
async def enroll(request: Request, program_id: str) -> Response:
    session, form, _ = await posted(request, ADMIN_ROLES)
    console = request.app.state.console
    key = form.get("key", "")
    person = {name: form.get(name, "").strip() or None for name in PERSON_FIELDS}
    person["interpreter_needed"] = form.get("interpreter_needed") == "yes"
    person["preferred_language"] = person["preferred_language"] or "en"
    try:
        created = await _step(console, session, key, "/participants", person)
        await _step(console, session, key, f"/participants/{segment(created['id'])}/consents", {
            "program_id": program_id, "kind": "program", "granted": True,
            "effective_at": form.get("consented_at") or datetime.now(UTC).isoformat()})
        enrollment = await _step(console, session, key, "/enrollments", {
            "participant_id": created["id"], "program_id": program_id, "site_id": form.get("site_id", ""),
            "payer_id": form.get("payer_id") or None, "enrolled_on": form.get("enrolled_on", "")})
    except Problem as problem:  # the form again as filled, the gateway's words naming the field
        flash(session, _("Not enrolled: %(why)s") % {"why": problem.detail}, problem=True)
        context = await _form_context(request, session, program_id)
        return render(request, "enroll.html", 422, session=session, form=form, nav="programs", **context)
    tags = form.get("tags", "").strip()
    query = f"?{urlencode({'tags': tags})}" if tags else ""
    return RedirectResponse(f"/enrollments/{segment(enrollment['id'])}/match{query}", status_code=303)


async def _step(console, session, key: str, path: str, body: dict) -> dict:  # noqa: ANN001
    """One POST of the enrollment, keyed by the form and its own body: the same form sent again
    replays each step done (no second participant); a corrected field is a new request."""
    return await console.gateway.post(session, path, idempotency_key=form_key(key, path, body), json=body)


@router.get("/enrollments/{enrollment_id}/match")
async def match(request: Request, enrollment_id: str, tags: str = "", q: str = "", page: int = 1) -> Response:
    """Every peer of the program ranked for the enrollment, 25 a page; ``q`` finds peers by name
    and keeps each one's rank."""
    session = await current_session(request, ADMIN_ROLES)
    console = request.app.state.console
    answer = await console.gateway.request(session, "GET", f"/enrollments/{segment(enrollment_id)}")
    enrollment = answer.json()
    wanted = [tag.strip() for tag in tags.split(",") if tag.strip()]
    ranked, person = await asyncio.gather(
        console.gateway.every(session, f"/enrollments/{segment(enrollment_id)}/peer-matches",
                              {"tags": wanted} if wanted else {}),
        console.gateway.get(session, f"/participants/{segment(enrollment['participant_id'])}"))
    name = q.strip().casefold()
    found = [{**c, "rank": n} for n, c in enumerate(ranked, 1) if name in c["display_name"].casefold()]
    shown, pager = paged(found, page, f"/enrollments/{segment(enrollment_id)}/match", tags=tags, q=q)
    return render(request, "match.html", session=session, enrollment=enrollment, etag=answer.headers.get("etag", ""),
                  candidates=shown, pager=pager, person=person, tags=tags, q=q, nav="programs")


@router.post("/enrollments/{enrollment_id}/peer")
async def assign(request: Request, enrollment_id: str) -> Response:
    session, form, _ = await posted(request, ADMIN_ROLES)
    console = request.app.state.console
    back = f"/enrollments/{segment(enrollment_id)}/match"
    try:
        chosen = (await console.gateway.request(
            session, "PUT", f"/enrollments/{segment(enrollment_id)}/peer", json={"peer_id": form.get("peer_id", "")},
            headers={"If-Match": form.get("etag", ""), "Idempotency-Key": form.get("key", "")})).json()
    except Problem as problem:
        if problem.status == 412:
            now = await console.gateway.get(session, f"/enrollments/{segment(enrollment_id)}")
            return await answered(request, session, back, _(
                "Conflict: this enrollment changed while you had it open (its peer is now %(peer)s). Nothing was "
                "changed; review the ranking and try again.") % {"peer": now.get("peer_id") or _("nobody")},
                problem=True)
        return await answered(request, session, back, _("Not assigned: %(why)s") % {"why": problem.detail},
                              problem=True)
    program = form.get("program_id", "")
    return await answered(request, session, f"/programs/{segment(program)}" if program else back,
                          _("%(peer)s assigned.") % {"peer": chosen["display_name"]})
