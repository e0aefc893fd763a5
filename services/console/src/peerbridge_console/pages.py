"""The clinician's on-call pages: Inbox, Case (with its actions), On call now; the language switch."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from .api import Problem, segment
from .i18n import LANGUAGES, N_
from .labels import LABELS
from .sessions import Session
from .timeline import timeline
from .web import (
    CLINICAL_ROLES,
    RISK_ORDER,
    answered,
    current_session,
    gettext_for,
    home_of,
    language_of,
    local_path,
    paged,
    posted,
    render,
)

router = APIRouter()
PURPOSES = ("TREAT", "ETREAT", "HOPERAT", "HQUALIMP")  # HL7 PurposeOfUse codes; their words are in labels.py
ACTIONS = {"acknowledge": N_("Acknowledged."), "contact-made": N_("Contact recorded."),
           "reassign": N_("Reassigned."), "resolve": N_("Resolved.")}
TABS = {"mine": N_("Mine"), "programs": N_("My programs")}


@router.get("/")
async def home(request: Request) -> Response:
    return RedirectResponse(home_of(await current_session(request)), status_code=303)


async def _open_cases(request: Request, session: Session, tab: str) -> list[dict]:
    console = request.app.state.console
    lists = await asyncio.gather(*(console.gateway.get(session, "/cases", params={"status": status, "limit": 500})
                                   for status in ("open", "acknowledged")))
    cases = [case for listed in lists for case in listed]
    if tab == "mine":
        me = session.user_id
        cases = [case for case in cases if me in (case["assigned_to"], case["acknowledged_by"], *case["paged"])]
    far = "9999"
    return sorted(cases, key=lambda case: (RISK_ORDER.get(case["risk_level"], 9),
                                           case["acknowledge_by"] if case["status"] == "open" else far,
                                           case["opened_at"]))


@router.get("/inbox")
async def inbox(request: Request, tab: str = "programs", q: str = "", page: int = 1) -> Response:
    return await _inbox(request, "inbox.html", tab, q, page)


@router.get("/inbox/rows")
async def inbox_rows(request: Request, tab: str = "programs", q: str = "", page: int = 1) -> Response:
    """The case list alone, for the live refresh of the page the clinician is on."""
    return await _inbox(request, "_case_rows.html", tab, q, page)


async def _inbox(request: Request, template: str, tab: str, q: str, page: int) -> Response:
    """``q``: the cases whose number has it, "17" or "ESC-2026-000017" (a page or a colleague names
    the case by its number)."""
    session = await current_session(request, CLINICAL_ROLES)
    tab = tab if tab in TABS else "programs"
    number = q.strip()
    cases = [c for c in await _open_cases(request, session, tab) if number.casefold() in c["case_number"].casefold()]
    shown, pager = paged(cases, page, "/inbox", tab=tab, q=number)
    return render(request, template, session=session, cases=shown, total=len(cases), pager=pager, tab=tab,
                  tabs=TABS, q=number, now=_now())


def _now() -> str:
    return datetime.now(UTC).isoformat()


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str, contact: int = 0) -> Response:
    """Reading a case never changes it (mail scanners open page links): acknowledging is a POST."""
    session = await current_session(request, CLINICAL_ROLES)
    console = request.app.state.console
    try:
        response = await console.gateway.request(session, "GET", f"/cases/{segment(case_id)}")
    except Problem as problem:
        if problem.status == 404:
            _ = gettext_for(request, session)
            return render(request, "message.html", 404, session=session, title=_("Case not found"),
                          message=_("There is no such case among the cases you may see."))
        raise
    case, etag = response.json(), response.headers.get("etag", "")
    participant = None
    if contact and session.purpose_of_use:
        participant = await console.gateway.get(session, f"/participants/{segment(case['participant_id'])}",
                                                headers={"X-Purpose-Of-Use": session.purpose_of_use})
    steps = await console.gateway.get(session, f"/cases/{segment(case_id)}/timeline", params={"limit": 500})
    entries = timeline(case, steps, case["dispositions"], gettext_for(request, session))
    return render(request, "case.html", session=session, case=case, etag=etag, entries=entries,
                  participant=participant, want_contact=bool(contact), purposes=PURPOSES,
                  dispositions=case["dispositions"], now=_now())


@router.post("/purpose")
async def set_purpose(request: Request) -> Response:
    """The purpose of use for PHI reads, asked once per session and sent with each (the gateway audits it)."""
    session, form, _ = await posted(request, CLINICAL_ROLES)
    case_id = form.get("case_id", "")
    if form.get("purpose") not in PURPOSES:
        return await answered(request, session, f"/cases/{segment(case_id)}#contact",
                              _("Choose a purpose of use to see contact details."), problem=True)
    session.purpose_of_use = form["purpose"]
    await request.app.state.console.sessions.save(session)
    return RedirectResponse(f"/cases/{segment(case_id)}?contact=1#contact", status_code=303)


def _body(action: str, form: dict[str, str]) -> dict | None:
    if action == "contact-made":
        return {"method": form.get("method", ""), "note": form.get("note") or None}
    if action == "reassign":
        return {"clinician_id": form.get("clinician_id", "").strip(), "reason": form.get("reason", "").strip()}
    if action == "resolve":
        return {"disposition_code": form.get("disposition_code", ""), "note": form.get("note", "").strip()}
    return None


@router.post("/cases/{case_id}/{action}")
async def act(request: Request, case_id: str, action: str) -> Response:
    """One action on a case. The form carries the case's ETag from when the page was drawn: if the
    case changed since (another clinician acted), nothing is sent and the page says what changed. The
    form's Idempotency-Key makes a double submission one action."""
    session, form, _ = await posted(request, CLINICAL_ROLES)
    console = request.app.state.console
    back = f"/cases/{segment(case_id)}"
    if action not in ACTIONS:
        return render(request, "message.html", 404, session=session, title=_("No such action"), message=action)
    current = await console.gateway.request(session, "GET", f"/cases/{segment(case_id)}")
    if form.get("etag") and current.headers.get("etag") != form["etag"]:
        now = current.json()
        who = now.get("resolved_by") or now.get("acknowledged_by") or _("nobody yet")
        message = _("Conflict: case %(number)s changed while you had it open (it is now %(status)s, by %(who)s). "
                    "Nothing was sent; review it and try again.")
        return await answered(request, session, back, message % {
            "number": now["case_number"], "status": _(LABELS.get(now["status"], "?")), "who": who}, problem=True)
    try:
        await console.gateway.post(session, f"/cases/{segment(case_id)}/{action}",
                                   idempotency_key=form.get("key", ""), json=_body(action, form))
    except Problem as problem:
        return await answered(request, session, back, _("Not done: %(why)s (%(status)s %(title)s).") % {
            "why": problem.detail, "status": problem.status, "title": problem.title}, problem=True)
    return await answered(request, session, back, _(ACTIONS[action]))


@router.post("/language")
async def choose_language(request: Request) -> Response:
    """The user's language, remembered for their next sign-ins too."""
    session, form, _ = await posted(request)
    if form.get("language") in LANGUAGES:
        await request.app.state.console.sessions.remember_language(session, form["language"])
    return RedirectResponse(local_path(form.get("next")), status_code=303)


@router.get("/oncall")
async def on_call(request: Request) -> Response:
    session = await current_session(request, CLINICAL_ROLES)
    console = request.app.state.console
    program_ids = session.user.get("programs") or [
        p["id"] for p in await console.gateway.get(session, "/programs", params={"limit": 500})]
    language = language_of(request, session)
    programs = await asyncio.gather(*(_program_on_call(console, session, program_id, language)
                                      for program_id in sorted(program_ids)[:20]))
    return render(request, "oncall.html", session=session, programs=programs)


async def _program_on_call(console, session: Session, program_id: str, language: str) -> dict:  # noqa: ANN001
    program = await console.gateway.get(session, f"/programs/{segment(program_id)}")
    zone = ZoneInfo(program["time_zone"])
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    hours = range(0, console.settings.oncall_horizon_h + 1, 1)
    moments = [datetime.now(UTC)] + [start + timedelta(hours=h) for h in hours[1:]]
    answers = await asyncio.gather(*(console.gateway.get(session, f"/programs/{segment(program_id)}/on-call",
                                                         params={"at": moment.isoformat()}) for moment in moments))
    now_on_call = answers[0]["clinician_id"]
    handoff = next(((m, a["clinician_id"]) for m, a in zip(moments, answers, strict=True)
                    if a["clinician_id"] != now_on_call), None)
    mine = [m for m, a in zip(moments, answers, strict=True) if a["clinician_id"] == session.user_id]

    def local(moment: datetime) -> str:
        return format_datetime(moment, "EEE d MMM HH:mm", tzinfo=zone, locale=language)

    return {"id": program_id, "name": program["name"], "zone": program["time_zone"], "now": now_on_call,
            "handoff": (local(handoff[0]), handoff[1]) if handoff else None,
            "my_next": local(mine[0]) if mine else None, "roster_version": answers[0]["roster_version"],
            "horizon_h": console.settings.oncall_horizon_h}
