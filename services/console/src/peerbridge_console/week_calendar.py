"""The coordinator's week calendar of a program, in the program's zone (always named): Monday to
Sunday by local date, each session at its local time (right across a DST change: the zone's rules,
not a fixed offset), booking a weekly series from a local wall-clock time, and rescheduling a
session. A double booking is answered on the page itself, the clash in local time, the form kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import Response

from .api import Problem, segment
from .coordinator import week_of
from .sessions import Session
from .web import ADMIN_ROLES, answered, current_session, language_of, posted, render, whole

router = APIRouter()
KINDS = ("one_to_one", "group", "workshop", "education")
MODALITIES = ("in_person", "phone", "video")
BOOKABLE_SHOWN = 50  # the participants offered on the booking form at once (a name search finds the others)


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _day(value: str, zone: ZoneInfo) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return datetime.now(zone).date()


async def _bookable(console, session: Session, program_id: str, who: str, chosen: list[str]) -> tuple[list, bool]:  # noqa: ANN001
    """The participants the booking form offers: those already chosen, then the program's active
    participants with every word of ``who`` in their name, by family name; and whether more match."""
    program = {"program_id": program_id}

    async def kept() -> list:
        return await console.gateway.get(session, "/participants", params={**program, "participant_id": chosen}) \
            if chosen else []

    found, already = await asyncio.gather(
        console.gateway.get(session, "/participants", params={
            **program, "limit": BOOKABLE_SHOWN + 1, **({"name": who} if who else {})}), kept())
    return already + [p for p in found[:BOOKABLE_SHOWN] if p["id"] not in chosen], len(found) > BOOKABLE_SHOWN


async def _page(request: Request, session: Session, program_id: str, week: str, *, form: dict | None = None,
                problem: str | None = None, status: int = 200, who: str = "") -> Response:
    console, language = request.app.state.console, language_of(request, session)
    program = await console.gateway.get(session, f"/programs/{segment(program_id)}")
    zone = ZoneInfo(program["time_zone"])
    start, end = week_of(datetime.combine(_day(week, zone), datetime.min.time(), tzinfo=zone), zone)
    every = console.gateway.every
    form = form or {}
    rows, peers, sites, (people, more) = await asyncio.gather(
        every(session, "/sessions", {"program_id": program_id, "starts_from": start.isoformat(),
                                     "starts_before": end.isoformat()}),
        every(session, "/peers", {"program_id": program_id}), every(session, f"/programs/{segment(program_id)}/sites"),
        _bookable(console, session, program_id, who, form.get("participant_ids", [])))
    names = {p["id"]: p["display_name"] for p in peers}
    days = [{"date": start.date() + timedelta(days=n), "sessions": []} for n in range(7)]
    for row in sorted(rows, key=lambda r: r["starts_at"]):
        starts, ends = _moment(row["starts_at"]).astimezone(zone), _moment(row["ends_at"]).astimezone(zone)
        index = (starts.date() - start.date()).days
        if 0 <= index < 7:
            days[index]["sessions"].append({**row, "time": f"{starts:%H:%M}–{ends:%H:%M}",
                                            "local_start": starts.strftime("%Y-%m-%dT%H:%M"),
                                            "peers": [names.get(p, p) for p in row["peer_ids"]]})
    for day in days:
        day["label"] = format_datetime(datetime.combine(day["date"], datetime.min.time()), "EEEE d MMMM",
                                       locale=language)
    return render(request, "calendar.html", status, session=session, program=program, zone=zone.key, days=days,
                  previous=(start.date() - timedelta(days=7)).isoformat(), week=start.date().isoformat(),
                  following=(start.date() + timedelta(days=7)).isoformat(), peers=peers, sites=sites,
                  participants=people, more_participants=more, who=who, kinds=KINDS, modalities=MODALITIES,
                  form=form, problem=problem, nav="programs")


@router.get("/programs/{program_id}/calendar")
async def calendar(request: Request, program_id: str, week: str = "", who: str = "") -> Response:
    session = await current_session(request, ADMIN_ROLES)
    return await _page(request, session, program_id, week, who=who.strip())


def _clash(problem: Problem, zone: ZoneInfo, language: str, _) -> str:  # noqa: ANN001
    """A double booking in the program's local time."""
    other = problem.body.get("conflicting_session")
    if not other:
        return problem.detail
    starts = format_datetime(_moment(other["starts_at"]), "EEE d MMM HH:mm", tzinfo=zone, locale=language)
    ends = format_datetime(_moment(other["ends_at"]), "HH:mm", tzinfo=zone, locale=language)
    return _("Double booking: %(detail)s. The other session is %(start)s–%(end)s (%(zone)s).") % {
        "start": starts, "end": ends, "zone": zone.key, "detail": problem.detail}


@router.post("/programs/{program_id}/calendar")
async def book(request: Request, program_id: str) -> Response:
    session, form, _ = await posted(request, ADMIN_ROLES)
    console = request.app.state.console
    participants = (await request.form()).getlist("participant_ids")
    count = whole(form.get("count"))
    body = {"program_id": program_id, "site_id": form.get("site_id", ""), "kind": form.get("kind", ""),
            "modality": form.get("modality", ""), "peer_ids": [form.get("peer_id", "")],
            "participant_ids": [str(p) for p in participants], "rrule": f"FREQ=WEEKLY;COUNT={count}",
            "first_local_start": form.get("first_local_start", ""), "duration_minutes": whole(form.get("minutes"))}
    try:
        series = await console.gateway.post(session, "/session-series", idempotency_key=form.get("key", ""), json=body)
    except Problem as problem:
        program = await console.gateway.get(session, f"/programs/{segment(program_id)}")
        zone = ZoneInfo(program["time_zone"])
        text = _clash(problem, zone, language_of(request, session), _) if problem.status == 409 else \
            _("Not booked: %(why)s") % {"why": problem.detail}
        return await _page(request, session, program_id, form.get("first_local_start", "")[:10],
                           form={**form, "participant_ids": participants}, problem=text, status=problem.status)
    return await answered(request, session,
                          f"/programs/{segment(program_id)}/calendar?week={form.get('first_local_start', '')[:10]}",
                          _("%(count)s sessions booked.") % {"count": len(series["sessions"])})


@router.post("/programs/{program_id}/sessions/{session_id}/reschedule")
async def reschedule(request: Request, program_id: str, session_id: str) -> Response:
    session, form, _ = await posted(request, ADMIN_ROLES)
    console = request.app.state.console
    program = await console.gateway.get(session, f"/programs/{segment(program_id)}")
    zone = ZoneInfo(program["time_zone"])
    row = await console.gateway.get(session, f"/sessions/{segment(session_id)}")
    length = _moment(row["ends_at"]) - _moment(row["starts_at"])
    calendar = f"/programs/{segment(program_id)}/calendar?week="
    try:
        starts = datetime.fromisoformat(form.get("starts", "")).replace(tzinfo=zone)
        await console.gateway.post(session, f"/sessions/{segment(session_id)}/reschedule",
                                   idempotency_key=form.get("key", ""), json={
                                       "starts_at": starts.astimezone(UTC).isoformat(),
                                       "ends_at": (starts.astimezone(UTC) + length).isoformat(),
                                       "reason": form.get("reason", "").strip()})
    except ValueError:
        return await answered(request, session, calendar, _("Not rescheduled: give the new local date and time."),
                              problem=True)
    except Problem as problem:
        week = _moment(row["starts_at"]).astimezone(zone).date().isoformat()
        return await answered(request, session, calendar + week,
                              _clash(problem, zone, language_of(request, session), _) if problem.status == 409 else
                              _("Not rescheduled: %(why)s") % {"why": problem.detail}, problem=True)
    return await answered(request, session, calendar + starts.date().isoformat(), _("Rescheduled."))
