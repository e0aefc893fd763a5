"""The peer's pages, phone first: today's sessions (and earlier ones still waiting for attendance),
a session's roster with one tap per attendee, my participants, a participant's page with their
safety plan, questionnaires drawn from the instrument definitions (skip logic, required items),
and raising a safety concern. A questionnaire or concern that makes a safety signal says at once
that a clinician is being alerted, and shows the safety plan."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import Response

from .api import Problem, segment
from .i18n import N_
from .questionnaires import answers_from, items_of
from .sessions import Session
from .web import PEER_ROLES, answered, current_session, flash, language_of, paged, posted, render, whole

router = APIRouter()
STATUSES = ("attended", "late", "left_early", "no_show", "cancelled_by_participant", "cancelled_by_program")
ABSENT = {"no_show", "cancelled_by_participant", "cancelled_by_program"}
CONCERNS = ("immediate_danger", "suicidal_ideation", "self_harm", "harm_to_others", "substance_use_crisis",
            "missed_crisis_check_in", "other")
SCREENS = ("phq9", "gad7", "cssrs_screener")  # offered first on a participant's page
MODALITIES = ("in_person", "phone", "video")
PLACES = {"in_person": "11", "phone": "02", "video": "02"}  # CMS place of service: office, telehealth
LOOK_BACK = timedelta(days=7)  # sessions this old still waiting for attendance are listed
ALERTED = N_("A clinician is being alerted now. Stay with the participant if you can, and use the safety "
             "plan below; in immediate danger call 911.")



async def _zones(console, session: Session, program_ids: set[str]) -> dict[str, ZoneInfo]:  # noqa: ANN001
    programs = await asyncio.gather(*(console.gateway.get(session, f"/programs/{segment(p)}") for p in program_ids))
    return {program["id"]: ZoneInfo(program["time_zone"]) for program in programs}


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _local(session_row: dict, zone: ZoneInfo, language: str) -> dict:
    starts, ends = _moment(session_row["starts_at"]), _moment(session_row["ends_at"])
    return {**session_row, "zone": zone.key, "local_day": starts.astimezone(zone).date(),
            "local_start": format_datetime(starts, "EEE d MMM HH:mm", tzinfo=zone, locale=language),
            "local_end": format_datetime(ends, "HH:mm", tzinfo=zone, locale=language),
            "minutes": int((ends - starts).total_seconds() // 60)}


@router.get("/today")
async def today(request: Request) -> Response:
    session = await current_session(request, PEER_ROLES)
    console, now = request.app.state.console, datetime.now(UTC)
    rows = await console.gateway.every(session, "/sessions", {
        "peer_id": session.user_id, "starts_from": (now - LOOK_BACK).isoformat(),
        "starts_before": (now + timedelta(days=2)).isoformat()})
    zones = await _zones(console, session, {row["program_id"] for row in rows})
    language = language_of(request, session)
    shown = sorted((_local(row, zones[row["program_id"]], language) for row in rows), key=lambda r: r["starts_at"])
    todays = [r for r in shown if r["local_day"] == now.astimezone(zones[r["program_id"]]).date()]
    waiting = [r for r in shown if r not in todays and r["status"] == "scheduled" and _moment(r["starts_at"]) < now]
    return render(request, "today.html", session=session, todays=todays, waiting=waiting, nav="today")


@router.get("/sessions/{session_id}")
async def roster(request: Request, session_id: str) -> Response:
    session = await current_session(request, PEER_ROLES)
    console = request.app.state.console
    row = await console.gateway.get(session, f"/sessions/{segment(session_id)}")
    zones = await _zones(console, session, {row["program_id"]})
    people, recorded = await asyncio.gather(
        asyncio.gather(*(console.gateway.get(session, f"/participants/{segment(p)}") for p in row["participant_ids"])),
        console.gateway.get(session, f"/sessions/{segment(session_id)}/attendance"))
    shown = _local(row, zones[row["program_id"]], language_of(request, session))
    started = _moment(row["starts_at"]) <= datetime.now(UTC)
    return render(request, "roster.html", session=session, row=shown, people=people, statuses=STATUSES,
                  recorded={r["participant_id"]: r for r in recorded["records"]}, started=started, nav="today")


@router.post("/sessions/{session_id}/attendance")
async def record_attendance(request: Request, session_id: str) -> Response:
    session, form, _ = await posted(request, PEER_ROLES)
    console = request.app.state.console
    row = await console.gateway.get(session, f"/sessions/{segment(session_id)}")
    records = []
    for participant in row["participant_ids"]:
        status = form.get(f"status-{participant}", "")
        minutes = 0 if status in ABSENT else whole(form.get(f"minutes-{participant}"))
        records.append({"participant_id": participant, "status": status, "minutes_present": minutes})
    try:
        await console.gateway.post(session, f"/sessions/{segment(session_id)}/attendance",
                                   idempotency_key=form.get("key", ""),
                                   json={"facilitator_peer_id": session.user_id, "records": records})
    except Problem as problem:
        return await answered(request, session, f"/sessions/{segment(session_id)}",
                              _("Not recorded: %(why)s") % {"why": problem.detail}, problem=True)
    return await answered(request, session, f"/sessions/{segment(session_id)}", _("Attendance recorded."))


@router.get("/participants")
async def my_participants(request: Request, q: str = "", page: int = 1) -> Response:
    session = await current_session(request, PEER_ROLES)
    console = request.app.state.console
    found = await console.gateway.every(session, "/participants", {
        "peer_id": session.user_id, **({"name": q.strip()} if q.strip() else {})})
    shown, pager = paged(found, page, "/participants", q=q)
    return render(request, "participants.html", session=session, people=shown, pager=pager, q=q, nav="participants")


async def _participant(request: Request, session: Session, participant_id: str) -> tuple[dict, str, dict | None]:
    """The participant, the program the peer works with them in, and that program's safety plan."""
    console = request.app.state.console
    person, enrollments = await asyncio.gather(
        console.gateway.get(session, f"/participants/{segment(participant_id)}"),
        console.gateway.get(session, "/enrollments", params={"participant_id": participant_id,
                                                               "peer_id": session.user_id, "active": "true"}))
    program_id = enrollments[0]["program_id"] if enrollments else ""
    try:
        plan = await console.gateway.get(session, f"/participants/{segment(participant_id)}/safety-plan",
                                         params={"program_id": program_id} if program_id else {})
    except Problem as problem:
        if problem.status != 404:
            raise
        plan = None
    return person, program_id, plan


@router.get("/participants/{participant_id}")
async def participant_page(request: Request, participant_id: str) -> Response:
    session = await current_session(request, PEER_ROLES)
    return await _participant_page(request, session, participant_id)


async def _participant_page(request: Request, session: Session, participant_id: str, *, note: dict | None = None,
                            concern: dict | None = None, problem: str = "", status: int = 200) -> Response:
    """The participant's page; after a refusal, the refused form as it was sent with the reason beside it."""
    person, program_id, plan = await _participant(request, session, participant_id)
    instruments = await request.app.state.console.gateway.every(session, "/instruments")
    offered = sorted(instruments, key=lambda i: (SCREENS.index(i["code"]) if i["code"] in SCREENS else len(SCREENS),
                                                 i["name"]))
    zone = (await _zones(request.app.state.console, session, {program_id}))[program_id] if program_id else UTC
    now_local = datetime.now(zone).replace(second=0, microsecond=0, tzinfo=None)
    return render(request, "participant.html", status, session=session, person=person, program_id=program_id,
                  plan=plan, instruments=offered, concerns=CONCERNS, modalities=MODALITIES, zone=str(zone),
                  now_local=now_local.isoformat(timespec="minutes"), note=note or {}, concern=concern or {},
                  problem=problem, nav="participants")


@router.get("/participants/{participant_id}/questionnaires/{code}")
async def questionnaire(request: Request, participant_id: str, code: str) -> Response:
    session = await current_session(request, PEER_ROLES)
    person, program_id, _plan = await _participant(request, session, participant_id)
    definition = await request.app.state.console.gateway.get(session, f"/instruments/{segment(code)}")
    return render(request, "questionnaire.html", session=session, person=person, program_id=program_id,
                  definition=definition, items=items_of(definition), answers={}, nav="participants")


@router.post("/participants/{participant_id}/questionnaires/{code}")
async def submit_questionnaire(request: Request, participant_id: str, code: str) -> Response:
    session, form, _ = await posted(request, PEER_ROLES)
    console = request.app.state.console
    definition = await console.gateway.get(session, f"/instruments/{segment(code)}")
    answers = answers_from(definition, form)
    try:
        response = await console.gateway.post(
            session, f"/participants/{segment(participant_id)}/questionnaire-responses",
            idempotency_key=form.get("key", ""), json={
                "program_id": form.get("program_id", ""), "instrument": code, "version": definition["version"],
                "answers": answers, "completed_at": datetime.now(UTC).isoformat()})
    except Problem as problem:  # the form again, as filled, with the gateway's words naming the item
        person, program_id, _plan = await _participant(request, session, participant_id)
        flash(session, _("Not saved: %(why)s") % {"why": problem.detail}, problem=True)
        return render(request, "questionnaire.html", 422, session=session, person=person, program_id=program_id,
                      definition=definition, items=items_of(definition), answers=form, nav="participants")
    person, _program, plan = await _participant(request, session, participant_id)
    return render(request, "questionnaire_done.html", session=session, person=person, definition=definition,
                  response=response, plan=plan if response["safety_signal"] else None, nav="participants")


@router.post("/participants/{participant_id}/notes")
async def write_note(request: Request, participant_id: str) -> Response:
    """A contact note in the program's zone (named on the form), signed at once unless asked not to."""
    session, form, _ = await posted(request, PEER_ROLES)
    console = request.app.state.console
    program_id = form.get("program_id", "")
    try:
        zone = (await _zones(console, session, {program_id}))[program_id]
        started = datetime.fromisoformat(form.get("started", "")).replace(tzinfo=zone)
        ended = started + timedelta(minutes=whole(form.get("minutes")) or 0)
        note = await console.gateway.post(session, f"/participants/{segment(participant_id)}/contacts",
                                          idempotency_key=form.get("key", ""), json={
            "program_id": program_id, "modality": form.get("modality", ""),
            "place_of_service": PLACES.get(form.get("modality", ""), "99"), "started_at": started.isoformat(),
            "ended_at": ended.isoformat(), "face_to_face_minutes": whole(form.get("face_to_face_minutes")),
            "note": form.get("note", "").strip()})
    except ValueError:
        return await _participant_page(request, session, participant_id, note=form, status=422,
                                       problem=_("Not saved: give the date and time the contact started."))
    except Problem as problem:
        return await _participant_page(request, session, participant_id, note=form, status=problem.status,
                                       problem=_("Not saved: %(why)s") % {"why": problem.detail})
    if form.get("sign") == "yes":
        try:
            await console.gateway.post(session, f"/contacts/{segment(note['id'])}/sign",
                                       idempotency_key=f"{form.get('key', '')}-sign")
        except Problem as problem:
            return await answered(request, session, f"/participants/{segment(participant_id)}#note-h",
                                  _("Note saved, not signed: %(why)s") % {"why": problem.detail}, problem=True)
    return await answered(request, session, f"/participants/{segment(participant_id)}#note-h",
                          _("Note signed.") if form.get("sign") == "yes" else _("Note saved, not signed yet."))


@router.post("/participants/{participant_id}/concerns")
async def raise_concern(request: Request, participant_id: str) -> Response:
    session, form, _ = await posted(request, PEER_ROLES)
    concern = {"program_id": form.get("program_id", ""), "category": form.get("category", ""),
               "immediate_danger": form.get("immediate_danger") == "yes",
               "peer_with_person": form.get("peer_with_person") == "yes", "note": form.get("note", "").strip(),
               "raised_at": datetime.now(UTC).isoformat()}
    try:
        await request.app.state.console.gateway.post(
            session, f"/participants/{segment(participant_id)}/safety-concerns",
            idempotency_key=form.get("key") or uuid.uuid4().hex, json=concern)
    except Problem as problem:
        return await _participant_page(request, session, participant_id, concern=form, status=problem.status,
                                       problem=_("Not sent: %(why)s") % {"why": problem.detail})
    return await answered(request, session, f"/participants/{segment(participant_id)}#plan-h", _(ALERTED))
