"""The program coordinator's (program admin's) pages: the programs, and a program's dashboard:
active participants and the waitlist (enrolled, no peer yet), each peer's caseload against the
cap with credential and supervision status, this week's sessions in the program's zone, the
attendance and no-show trend by month, and the participants with no contact in 14 days (no
contact note and no completed session of theirs)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import Response

from .api import segment
from .charts import bars
from .figures import trend
from .sessions import Session
from .web import ADMIN_ROLES, current_session, gettext_for, language_of, paged, render

router = APIRouter()
QUIET_DAYS = 14
TREND_MONTHS = 6
WAITLIST_SHOWN = 25  # the longest waiting first



@router.get("/programs")
async def programs(request: Request, q: str = "", page: int = 1) -> Response:
    session = await current_session(request, ADMIN_ROLES)
    listed = await request.app.state.console.gateway.every(session, "/programs")
    wanted = q.strip().casefold()
    found = sorted((p for p in listed if wanted in f"{p['name']} {p['id']}".casefold()),
                   key=lambda p: p["name"].casefold())
    shown, pager = paged(found, page, "/programs", q=q)
    return render(request, "programs.html", session=session, programs=shown, pager=pager, q=q, nav="programs")


@router.get("/programs/{program_id}")
async def dashboard(request: Request, program_id: str, page: int = 1) -> Response:
    session = await current_session(request, ADMIN_ROLES)
    console, now = request.app.state.console, datetime.now(UTC)
    program = await console.gateway.get(session, f"/programs/{segment(program_id)}")
    zone = ZoneInfo(program["time_zone"])
    week_start, week_end = week_of(now, zone)
    get, every = console.gateway.get, console.gateway.every
    peers, enrollments, week, recent, notes, figures = await asyncio.gather(
        every(session, "/peers", {"program_id": program_id}),
        every(session, "/enrollments", {"program_id": program_id, "active": "true"}),
        every(session, "/sessions", {"program_id": program_id, "starts_from": week_start.isoformat(),
                                     "starts_before": week_end.isoformat()}),
        every(session, "/sessions", {"program_id": program_id,
                                     "starts_from": (now - timedelta(days=QUIET_DAYS)).isoformat(),
                                     "starts_before": now.isoformat()}),
        every(session, "/contacts", {"program_id": program_id,
                                     "started_from": (now - timedelta(days=QUIET_DAYS)).isoformat()}),
        get(session, "/measures", params={"program_id": program_id, "family": "engagement"}))
    language, _ = language_of(request, session), gettext_for(request, session)
    quiet_ids = _quiet(enrollments, recent, notes)
    quiet_page, pager = paged(quiet_ids, page, f"/programs/{segment(program_id)}")
    waiting = sorted((e for e in enrollments if not e["peer_id"]), key=lambda e: e["enrolled_on"])[:WAITLIST_SHOWN]
    caseloads, people = await asyncio.gather(  # neither needs the other: read at once
        _caseloads(console, session, peers, enrollments),
        _people(console, session, {*quiet_page, *(e["participant_id"] for e in waiting)}))
    quiet = [people[p] for p in quiet_page if p in people]  # one whose enrollment just ended is gone
    months = _months(figures, program_id)
    trends = {name: trend(months, name, language, _) for name in ("attendance_rate", "no_shows")}
    return render(
        request, "dashboard.html", session=session, program=program, zone=zone.key, caseloads=caseloads,
        active=len({e["participant_id"] for e in enrollments}),
        waitlist=sum(1 for e in enrollments if not e["peer_id"]), quiet=quiet, quiet_total=len(quiet_ids),
        waiting=[{**e, "person": people[e["participant_id"]]} for e in waiting if e["participant_id"] in people],
        pager=pager, quiet_days=QUIET_DAYS, nav="programs",
        week=[_local(s, zone, language) for s in sorted(week, key=lambda s: s["starts_at"])],
        week_label=_("%(start)s to %(end)s") % {
            "start": format_datetime(week_start, "EEE d MMM", tzinfo=zone, locale=language),
            "end": format_datetime(week_end - timedelta(seconds=1), "EEE d MMM", tzinfo=zone, locale=language)},
        trends={name: {"rows": rows, "chart": bars(rows, "rate" if name.endswith("rate") else "count")}
                for name, rows in trends.items()})


async def _people(console, session: Session, ids: set[str]) -> dict[str, dict]:  # noqa: ANN001
    """The participants named, in one read (the dashboard shows at most a page and the waitlist)."""
    found = await console.gateway.get(session, "/participants", params={"participant_id": sorted(ids), "limit": 500}) \
        if ids else []
    return {person["id"]: person for person in found}


def week_of(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00, local to the program (a DST week is 167 or 169 hours)."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday, time(), tzinfo=zone)
    return start, datetime.combine(monday + timedelta(days=7), time(), tzinfo=zone)


def _local(row: dict, zone: ZoneInfo, language: str) -> dict:
    starts = datetime.fromisoformat(row["starts_at"].replace("Z", "+00:00"))
    return {**row, "local_start": format_datetime(starts, "EEE d MMM HH:mm", tzinfo=zone, locale=language)}


async def _caseloads(console, session: Session, peers: list[dict], enrollments: list[dict]) -> list[dict]:  # noqa: ANN001
    statuses = await asyncio.gather(*(console.gateway.get(session, f"/peers/{segment(p['id'])}/status") for p in peers))
    counts: dict[str, int] = {}
    for enrollment in enrollments:
        if enrollment["peer_id"]:
            counts[enrollment["peer_id"]] = counts.get(enrollment["peer_id"], 0) + 1
    rows = [{"peer": peer, "status": status, "caseload": counts.get(peer["id"], 0)}
            for peer, status in zip(peers, statuses, strict=True)]
    return sorted(rows, key=lambda r: (-r["caseload"] / max(r["peer"]["caseload_cap"], 1), r["peer"]["display_name"]))


def _quiet(enrollments: list[dict], recent_sessions: list[dict], notes: list[dict]) -> list[str]:
    """Active participants with no contact note and no completed session in the window."""
    reached = {n["participant_id"] for n in notes} | {
        p for s in recent_sessions if s["status"] == "completed" for p in s["participant_ids"]}
    return sorted({e["participant_id"] for e in enrollments} - reached)


def _months(figures: dict, program_id: str) -> list[dict]:
    """The program's last months of engagement, as reports of figures (staff see true counts)."""
    rows = sorted((r for r in figures.get("engagement", []) if r["key"][1] == program_id and "Q" not in r["key"][2]),
                  key=lambda r: r["key"][2])[-TREND_MONTHS:]
    return [{"period": r["key"][2], "suppression": {},
             "measures": {"attendance_rate": r.get("attendance_rate"), "no_shows": r.get("no_shows")}} for r in rows]
